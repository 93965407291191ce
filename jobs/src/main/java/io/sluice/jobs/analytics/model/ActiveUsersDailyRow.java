package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;

/**
 * A row of analytics.active_users_daily: the distinct users on a UTC day, and in the 7 and 30 days
 * ending that day, keyed by the day.
 *
 * @param day the UTC day, as days since the epoch
 */
public record ActiveUsersDailyRow(long day, long dau, long wau, long mau, long version)
        implements TableRow {

    static final RowEncoder<ActiveUsersDailyRow> ENCODER =
            RowEncoder.<ActiveUsersDailyRow>forTable(AnalyticsTables.ACTIVE_USERS_DAILY_TABLE)
                    .put("day", r -> AnalyticsTables.date(r.day))
                    .put("dau", r -> Long.toString(r.dau))
                    .put("wau", r -> Long.toString(r.wau))
                    .put("mau", r -> Long.toString(r.mau))
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    @Override
    public String key() {
        return Long.toString(day);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
