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
    public static final String LATENCY_1M = "latency_1m";
    public static final String LATENCY_1H = "latency_1h";

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

    /**
     * Per UTC minute and endpoint: the request events with a numeric latency, and the latencies at
     * the 50th, 95th and 99th percentile (nearest rank, as Postgres' {@code percentile_disc}: the
     * smallest latency at or above which the fraction lies) and the largest. A window whose
     * requests were all retracted keeps its row with 0 requests and 0 latencies.
     */
    public static final Table LATENCY_1M_TABLE = latencyTable(LATENCY_1M, "minute");

    /** {@link #LATENCY_1M_TABLE} per UTC hour. */
    public static final Table LATENCY_1H_TABLE = latencyTable(LATENCY_1H, "hour");

    private static Table latencyTable(String name, String window) {
        return new Table(
                name,
                List.of(
                        new Column("window_start", "DateTime('UTC')"),
                        new Column("endpoint", "LC"),
                        new Column("requests", "Int64"),
                        new Column("p50_ms", "Float64"),
                        new Column("p95_ms", "Float64"),
                        new Column("p99_ms", "Float64"),
                        new Column("max_ms", "Float64"),
                        new Column("_version", "UInt64")),
                "toYYYYMM(window_start)",
                "window_start, endpoint",
                "request latency percentiles per " + window + " and endpoint");
    }

    public static final String ALERTS = "alerts";

    /**
     * The transitions of the alert rules: one row each time a rule's condition for a key (a service
     * and version, or '' for DAU) becomes true ({@code firing}) or stops being true ({@code
     * resolved}), at event time {@code since}, with the rule's value there and its threshold. A
     * correction that takes a transition back deletes its row ({@code _is_deleted = 1}).
     */
    public static final Table ALERTS_TABLE =
            new Table(
                    ALERTS,
                    List.of(
                            new Column("rule", "LC"),
                            new Column("key", "String"),
                            new Column("since", "DateTime('UTC')"),
                            new Column("state", "LC"),
                            new Column("value", "Float64"),
                            new Column("threshold", "Float64"),
                            new Column("_version", "UInt64"),
                            new Column("_is_deleted", "UInt8")),
                    null,
                    "rule, key, since",
                    "alert rule transitions: firing and resolved, per rule and key");

    /** Every operational table. */
    public static List<Table> all() {
        return List.of(
                ERRORS_1M_TABLE, ERRORS_1H_TABLE, LATENCY_1M_TABLE, LATENCY_1H_TABLE, ALERTS_TABLE);
    }
}
