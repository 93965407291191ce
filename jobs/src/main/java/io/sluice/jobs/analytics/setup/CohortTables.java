package io.sluice.jobs.analytics.setup;

import io.sluice.jobs.analytics.setup.AnalyticsTables.Column;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Table;
import java.util.List;

/**
 * The cohort tables: weekly retention and feature adoption by cohort week. A week is an ISO week,
 * Monday 00:00 UTC to the next Monday (ClickHouse {@code toMonday}), written as the Date of its
 * Monday; {@code week_n} counts weeks after the cohort week (0..12). Like every analytics table
 * they are {@code ReplacingMergeTree(_version)}, read with {@code FINAL}; a cohort (or a cohort and
 * feature) keeps its rows, with zeros, once it has none left. The types are plain ones, valid on
 * ClickHouse 18.16.
 */
public final class CohortTables {
    public static final String RETENTION_WEEKLY = "retention_weekly";
    public static final String FEATURE_ADOPTION_WEEKLY = "feature_adoption_weekly";

    private CohortTables() {}

    /**
     * Per cohort week and week n: the users whose first event falls in the cohort week, and how
     * many of them had a return event in week n.
     */
    public static final Table RETENTION_WEEKLY_TABLE =
            new Table(
                    RETENTION_WEEKLY,
                    List.of(
                            new Column("cohort_week", "Date"),
                            new Column("week_n", "Int64"),
                            new Column("cohort_users", "Int64"),
                            new Column("retained_users", "Int64"),
                            new Column("_version", "UInt64")),
                    null,
                    "cohort_week, week_n",
                    "users of each cohort week back in each of the 12 weeks after it");

    /**
     * Per cohort week, feature and week n: the users of the cohort, and how many of them first used
     * the feature by the end of week n.
     */
    public static final Table FEATURE_ADOPTION_WEEKLY_TABLE =
            new Table(
                    FEATURE_ADOPTION_WEEKLY,
                    List.of(
                            new Column("cohort_week", "Date"),
                            new Column("feature", "String"),
                            new Column("week_n", "Int64"),
                            new Column("cohort_users", "Int64"),
                            new Column("adopters", "Int64"),
                            new Column("_version", "UInt64")),
                    null,
                    "cohort_week, feature, week_n",
                    "users of each cohort week who used each feature by week n (cumulative)");

    /** Both tables, for setup. */
    public static List<Table> all() {
        return List.of(RETENTION_WEEKLY_TABLE, FEATURE_ADOPTION_WEEKLY_TABLE);
    }
}
