package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.OperationalTables;
import java.util.Map;

/**
 * A row of analytics.latency_1m or latency_1h: the request events of one endpoint in one tumbling
 * window that have a numeric latency, and their 50th, 95th and 99th percentile (nearest rank) and
 * largest latency in milliseconds, keyed by window start and endpoint.
 *
 * @param table which of the two tables
 */
public record LatencyRow(
        String table,
        long windowStartMs,
        String endpoint,
        long requests,
        double p50,
        double p95,
        double p99,
        double max,
        long version)
        implements TableRow {

    private static final Map<String, RowEncoder<LatencyRow>> ENCODERS =
            Map.of(
                    OperationalTables.LATENCY_1M, encoder(OperationalTables.LATENCY_1M_TABLE),
                    OperationalTables.LATENCY_1H, encoder(OperationalTables.LATENCY_1H_TABLE));

    private static RowEncoder<LatencyRow> encoder(AnalyticsTables.Table table) {
        return RowEncoder.<LatencyRow>forTable(table)
                .put("window_start", r -> AnalyticsTables.dateTimeMillis(r.windowStartMs))
                .put("endpoint", LatencyRow::endpoint)
                .put("requests", r -> Long.toString(r.requests))
                .put("p50_ms", r -> Double.toString(r.p50))
                .put("p95_ms", r -> Double.toString(r.p95))
                .put("p99_ms", r -> Double.toString(r.p99))
                .put("max_ms", r -> Double.toString(r.max))
                .put("_version", r -> Long.toString(r.version))
                .build();
    }

    /** The key of the row of {@code endpoint} in the window from {@code windowStartMs}. */
    public static String key(long windowStartMs, String endpoint) {
        return windowStartMs + "\u0000" + endpoint;
    }

    @Override
    public String key() {
        return key(windowStartMs, endpoint);
    }

    public AnalyticsRow encode() {
        return ENCODERS.get(table).encode(this);
    }
}
