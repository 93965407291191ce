package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.FinanceTables;

/**
 * A row of analytics.mrr_daily: on a UTC day, the MRR of the active subscriptions, the day's
 * movements (new, expansion, contraction, churned: each a positive amount) and the active
 * subscriptions, keyed by the day. Money in units of 1/10,000 ({@link RevenueDailyRow#money}).
 *
 * @param values {mrr, new, expansion, contraction, churned, active subscriptions}
 * @param deleted the day is no longer reported (before the first subscription's start)
 */
public record MrrDailyRow(long day, long[] values, long version, boolean deleted)
        implements TableRow {

    static final RowEncoder<MrrDailyRow> ENCODER =
            RowEncoder.<MrrDailyRow>forTable(FinanceTables.MRR_DAILY_TABLE)
                    .put("day", r -> AnalyticsTables.date(r.day))
                    .put("mrr", r -> RevenueDailyRow.money(r.values[0]))
                    .put("new_mrr", r -> RevenueDailyRow.money(r.values[1]))
                    .put("expansion_mrr", r -> RevenueDailyRow.money(r.values[2]))
                    .put("contraction_mrr", r -> RevenueDailyRow.money(r.values[3]))
                    .put("churned_mrr", r -> RevenueDailyRow.money(r.values[4]))
                    .put("active_subscriptions", r -> Long.toString(r.values[5]))
                    .put("_version", r -> Long.toString(r.version))
                    .put("_is_deleted", r -> r.deleted ? "1" : "0")
                    .build();

    @Override
    public String key() {
        return Long.toString(day);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
