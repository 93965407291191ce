package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.util.List;

/**
 * A row of analytics.events: one clean event at a change's version, or its tombstone. The key is
 * the table's ORDER BY (event_name, occurred_at, user_id, event_id): an event whose name, second or
 * user changes is another row, and the old one needs its own tombstone.
 *
 * @param promoted the promoted properties' values as ClickHouse text, in configuration order
 *     ({@code null} when absent)
 */
public record EventRow(
        String eventId,
        String userId,
        long occurredAtUs,
        String eventName,
        String propertiesJson,
        String[] promoted,
        long version,
        boolean deleted)
        implements TableRow {

    /** The row of {@code e} at {@code version} (a tombstone when {@code deleted}). */
    public static EventRow of(CleanEvent e, long version, boolean deleted) {
        return new EventRow(
                e.eventId,
                e.userId,
                e.occurredAtUs,
                e.eventName,
                e.propertiesJson,
                e.promoted,
                version,
                deleted);
    }

    @Override
    public String key() {
        return eventName
                + '\u0000'
                + Math.floorDiv(occurredAtUs, 1_000_000L)
                + '\u0000'
                + userId
                + '\u0000'
                + eventId;
    }

    /** The encoder for the events table with these promoted properties. */
    public static RowEncoder<EventRow> encoder(List<PromotedProperty> promoted) {
        RowEncoder.Builder<EventRow> b =
                RowEncoder.<EventRow>forTable(AnalyticsTables.events(promoted))
                        .put("event_id", EventRow::eventId)
                        .put("user_id", EventRow::userId)
                        .put("occurred_at", r -> AnalyticsTables.dateTime(r.occurredAtUs))
                        .put("occurred_at_us", r -> Long.toString(r.occurredAtUs))
                        .put("event_name", EventRow::eventName)
                        .put("properties_json", EventRow::propertiesJson)
                        .put("_version", r -> Long.toString(r.version))
                        .put("_is_deleted", r -> r.deleted ? "1" : "0");
        for (int i = 0; i < promoted.size(); i++) {
            int index = i;
            b.put(promoted.get(i).column(), r -> r.promoted[index]);
        }
        return b.build();
    }
}
