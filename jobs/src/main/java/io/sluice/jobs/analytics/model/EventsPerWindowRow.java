package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.util.Map;

/**
 * A row of a count rollup (analytics.events_per_minute, events_per_5m, events_per_hour): the events
 * of one name in one tumbling window, keyed by window start and name.
 *
 * @param table which of the three tables
 */
public record EventsPerWindowRow(
        String table, long windowStartMs, String eventName, long events, long version)
        implements TableRow {

    private static final Map<String, RowEncoder<EventsPerWindowRow>> ENCODERS =
            Map.of(
                    AnalyticsTables.EVENTS_PER_MINUTE,
                    encoder(AnalyticsTables.EVENTS_PER_MINUTE_TABLE, "minute"),
                    AnalyticsTables.EVENTS_PER_5M,
                    encoder(AnalyticsTables.EVENTS_PER_5M_TABLE, "window_start"),
                    AnalyticsTables.EVENTS_PER_HOUR,
                    encoder(AnalyticsTables.EVENTS_PER_HOUR_TABLE, "hour"));

    private static RowEncoder<EventsPerWindowRow> encoder(
            AnalyticsTables.Table table, String windowColumn) {
        return RowEncoder.<EventsPerWindowRow>forTable(table)
                .put(windowColumn, r -> AnalyticsTables.dateTimeMillis(r.windowStartMs))
                .put("event_name", EventsPerWindowRow::eventName)
                .put("events", r -> Long.toString(r.events))
                .put("_version", r -> Long.toString(r.version))
                .build();
    }

    /** The encoder of one of the three tables. */
    static RowEncoder<EventsPerWindowRow> encoder(String table) {
        RowEncoder<EventsPerWindowRow> encoder = ENCODERS.get(table);
        if (encoder == null) {
            throw new IllegalArgumentException(
                    "analytics."
                            + table
                            + " is not an events-per-window table: "
                            + ENCODERS.keySet());
        }
        return encoder;
    }

    /** The key of the row for events named {@code eventName} in the window from {@code startMs}. */
    public static String key(long windowStartMs, String eventName) {
        return windowStartMs + "\u0000" + eventName;
    }

    @Override
    public String key() {
        return key(windowStartMs, eventName);
    }

    public AnalyticsRow encode() {
        return encoder(table).encode(this);
    }
}
