package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.CohortTables;

/**
 * A row of analytics.retention_weekly, keyed by {@code cohort_week|week_n}: of the users whose
 * cohort (the ISO week of their first event) is {@code cohortWeek}, how many had a return event in
 * week {@code cohortWeek + weekN}.
 *
 * @param cohortWeek the Monday of the cohort week, as days since the epoch
 * @param weekN weeks after the cohort week, 0..12
 */
public record RetentionWeeklyRow(
        long cohortWeek, long weekN, long cohortUsers, long retainedUsers, long version)
        implements TableRow {

    static final RowEncoder<RetentionWeeklyRow> ENCODER =
            RowEncoder.<RetentionWeeklyRow>forTable(CohortTables.RETENTION_WEEKLY_TABLE)
                    .put("cohort_week", r -> AnalyticsTables.date(r.cohortWeek))
                    .put("week_n", r -> Long.toString(r.weekN))
                    .put("cohort_users", r -> Long.toString(r.cohortUsers))
                    .put("retained_users", r -> Long.toString(r.retainedUsers))
                    .put("_version", r -> Long.toString(r.version))
                    .build();

    /** The key of a cohort's week n: {@code yyyy-mm-dd|n}. */
    public static String key(long cohortWeek, long weekN) {
        return AnalyticsTables.date(cohortWeek) + "|" + weekN;
    }

    @Override
    public String key() {
        return key(cohortWeek, weekN);
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
