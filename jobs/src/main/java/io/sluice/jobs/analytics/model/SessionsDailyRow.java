package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;

/**
 * A row of analytics.sessions_daily: a user's {@code session_start} and {@code session_end} events,
 * and events of any name, on one UTC day, keyed by {@code session_day_user}. Every user-day with
 * events has a row (0 starts and 0 ends included), as the dbt model's {@code GROUP BY user_id,
 * toStartOfDay(occurred_at)} over all events; a row whose events were all deleted stays with 0
 * events.
 *
 * @param sessionDay the UTC day, as days since the epoch
 */
public record SessionsDailyRow(
        long sessionDay, String userId, long starts, long ends, long events, long version)
        implements TableRow {

    static final RowEncoder<SessionsDailyRow> ENCODER =
            RowEncoder.<SessionsDailyRow>forTable(AnalyticsTables.SESSIONS_DAILY_TABLE)
                    .put("session_day_user", SessionsDailyRow::key)
                    .put("user_id", SessionsDailyRow::userId)
                    .put("session_day", r -> AnalyticsTables.date(r.sessionDay))
                    .put("starts", r -> Long.toString(r.starts))
                    .put("ends", r -> Long.toString(r.ends))
                    .put("events", r -> Long.toString(r.events))
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    /** The {@code session_day_user} of a user's day: {@code yyyy-mm-dd|user}. */
    public static String key(long sessionDay, String userId) {
        return AnalyticsTables.date(sessionDay) + "|" + userId;
    }

    @Override
    public String key() {
        return key(sessionDay, userId);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
