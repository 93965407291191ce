package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.OperationalTables;
import java.util.Map;

/**
 * A row of analytics.errors_1m or errors_1h: the request events of one service and version in one
 * tumbling window, how many had an error status, and their ratio ({@code errors / requests}, 0
 * without requests), keyed by window start, service and version.
 *
 * @param table which of the two tables
 */
public record ErrorsRow(
        String table,
        long windowStartMs,
        String service,
        String serviceVersion,
        long requests,
        long errors,
        long version)
        implements TableRow {

    private static final Map<String, RowEncoder<ErrorsRow>> ENCODERS =
            Map.of(
                    OperationalTables.ERRORS_1M, encoder(OperationalTables.ERRORS_1M_TABLE),
                    OperationalTables.ERRORS_1H, encoder(OperationalTables.ERRORS_1H_TABLE));

    private static RowEncoder<ErrorsRow> encoder(AnalyticsTables.Table table) {
        return RowEncoder.<ErrorsRow>forTable(table)
                .put("window_start", r -> AnalyticsTables.dateTimeMillis(r.windowStartMs))
                .put("service", ErrorsRow::service)
                .put("version", ErrorsRow::serviceVersion)
                .put("requests", r -> Long.toString(r.requests))
                .put("errors", r -> Long.toString(r.errors))
                .put("error_rate", r -> Double.toString(r.errorRate()))
                .put("_version", r -> Long.toString(r.version))
                .build();
    }

    /** Errors per request; 0 without requests. */
    public double errorRate() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** The key of the row of {@code service} at {@code serviceVersion} in the window. */
    public static String key(long windowStartMs, String service, String serviceVersion) {
        return windowStartMs + "\u0000" + service + "\u0000" + serviceVersion;
    }

    /** The window start (epoch ms), service and version a {@link #key} was made of, as text. */
    public static String[] keyParts(String key) {
        return key.split("\u0000", -1);
    }

    @Override
    public String key() {
        return key(windowStartMs, service, serviceVersion);
    }

    public AnalyticsRow encode() {
        return ENCODERS.get(table).encode(this);
    }
}
