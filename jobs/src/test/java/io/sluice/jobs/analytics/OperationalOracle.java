package io.sluice.jobs.analytics;

/**
 * The operational tables as SQL over the counted events in Postgres ({@code counted}, defined by
 * {@link EventOracle}), written from docs/operational-analytics.md independently of the job's code,
 * and the same rows read from ClickHouse, each row as one {@code |}-joined text.
 */
final class OperationalOracle {
    private OperationalOracle() {}

    private static final String NUMBER = "'^-?[0-9]+(\\.[0-9]+)?$'";

    private static String text(String property) {
        return "CASE WHEN jsonb_typeof(properties->'"
                + property
                + "') IN ('string', 'number', 'boolean') THEN properties->>'"
                + property
                + "' ELSE '' END";
    }

    private static long seconds(String table) {
        return table.endsWith("_1m") ? 60 : 3600;
    }

    private static String window(String table) {
        long size = seconds(table);
        return "(floor(extract(epoch FROM occurred_at) / " + size + ") * " + size + ")::bigint";
    }

    /**
     * Per window, service and version: the request events, and those whose status is a number of at
     * least 500; a missing or non-text service or version is ''.
     */
    static String errors(String table) {
        return "SELECT w || '|' || svc || '|' || ver || '|' || count(*) || '|'"
                + " || count(*) FILTER (WHERE err) FROM (SELECT "
                + window(table)
                + " AS w, "
                + text("service")
                + " AS svc, "
                + text("version")
                + " AS ver, CASE WHEN properties->>'status' ~ "
                + NUMBER
                + " THEN (properties->>'status')::numeric >= 500 ELSE false END AS err"
                + " FROM counted WHERE event_name = 'api_request') x GROUP BY w, svc, ver";
    }

    static String errorsClickHouse(String table) {
        return "SELECT concat(toString(toUnixTimestamp(window_start)), '|', toString(service), '|',"
                + " toString(version), '|', toString(requests), '|', toString(errors)) FROM "
                + table
                + " FINAL WHERE requests != 0";
    }

    static String wrongErrorRates(String table) {
        return "SELECT count() FROM "
                + table
                + " FINAL WHERE abs(error_rate - if(requests = 0, 0, errors / requests)) > 1e-9";
    }

    /**
     * Per window and endpoint: the request events with a numeric latency (a JSON number or a string
     * of digits), {@code percentile_disc} at 0.5, 0.95 and 0.99, and the largest.
     */
    static String latency(String table) {
        String numeric = "properties->>'latency_ms' ~ " + NUMBER;
        return "SELECT w || '|' || ep || '|' || count(*)"
                + " || '|' || (percentile_disc(0.5) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || (percentile_disc(0.95) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || (percentile_disc(0.99) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || max(lat)::float8 FROM (SELECT "
                + window(table)
                + " AS w, "
                + text("endpoint")
                + " AS ep, CASE WHEN "
                + numeric
                + " THEN (properties->>'latency_ms')::numeric END AS lat FROM counted"
                + " WHERE event_name = 'api_request' AND coalesce("
                + numeric
                + ", false)) x GROUP BY w, ep";
    }

    static String latencyClickHouse(String table) {
        return "SELECT concat(toString(toUnixTimestamp(window_start)), '|', toString(endpoint), '|',"
                + " toString(requests), '|', toString(p50_ms), '|', toString(p95_ms), '|',"
                + " toString(p99_ms), '|', toString(max_ms)) FROM "
                + table
                + " FINAL WHERE requests != 0";
    }
}
