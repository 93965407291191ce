package io.sluice.jobs.analytics.setup;

import io.sluice.jobs.analytics.setup.AnalyticsTables.Column;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Table;
import java.util.List;

/**
 * The operational tables in ClickHouse, defined like those of {@link AnalyticsTables}: {@code
 * ReplacingMergeTree(_version)}, read with {@code FINAL}. Types valid on ClickHouse 18.16.
 */
public final class OperationalTables {
    public static final String ERRORS_1M = "errors_1m";
    public static final String ERRORS_1H = "errors_1h";

    private OperationalTables() {}

    /**
     * Per UTC minute, service and version: the request events, those with an error status, and
     * their ratio (0 without requests). A window whose requests were all retracted keeps its row
     * with 0 requests.
     */
    public static final Table ERRORS_1M_TABLE = errorsTable(ERRORS_1M, "minute");

    /** {@link #ERRORS_1M_TABLE} per UTC hour. */
    public static final Table ERRORS_1H_TABLE = errorsTable(ERRORS_1H, "hour");

    private static Table errorsTable(String name, String window) {
        return new Table(
                name,
                List.of(
                        new Column("window_start", "DateTime('UTC')"),
                        new Column("service", "LC"),
                        new Column("version", "LC"),
                        new Column("requests", "Int64"),
                        new Column("errors", "Int64"),
                        new Column("error_rate", "Float64"),
                        new Column("_version", "UInt64")),
                "toYYYYMM(window_start)",
                "window_start, service, version",
                "requests and errors per " + window + ", service and version");
    }

    /** Both tables. */
    public static List<Table> all() {
        return List.of(ERRORS_1M_TABLE, ERRORS_1H_TABLE);
    }
}
