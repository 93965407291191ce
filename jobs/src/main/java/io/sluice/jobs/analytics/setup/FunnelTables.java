package io.sluice.jobs.analytics.setup;

import io.sluice.jobs.analytics.setup.AnalyticsTables.Column;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Table;
import java.util.List;

/**
 * The funnel tables in ClickHouse, defined like those of {@link AnalyticsTables}: {@code
 * ReplacingMergeTree(_version)}, read with {@code FINAL}. Types valid on ClickHouse 18.16.
 */
public final class FunnelTables {
    public static final String FUNNEL_DAILY = "funnel_daily";

    private FunnelTables() {}

    /**
     * Per funnel, UTC day of the attempt's start and step (1-based): the users whose best attempt
     * of the day reached the step, and the lower median of their seconds from step 1 to it (0
     * without users). Every step of a day that ever had an attempt has a row, with 0 users once all
     * its attempts are gone.
     */
    public static final Table FUNNEL_DAILY_TABLE =
            new Table(
                    FUNNEL_DAILY,
                    List.of(
                            new Column("funnel", "String"),
                            new Column("day", "Date"),
                            new Column("step", "Int64"),
                            new Column("users", "Int64"),
                            new Column("median_seconds_to_step", "Float64"),
                            new Column("_version", "UInt64")),
                    null,
                    "funnel, day, step",
                    "users per funnel, day and step, with the median seconds from step 1");
}
