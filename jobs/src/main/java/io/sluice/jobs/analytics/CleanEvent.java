package io.sluice.jobs.analytics;

import java.util.Arrays;
import java.util.Objects;

/**
 * A usable event: parsed, PII already hashed, promoted properties split out. A POJO (public fields,
 * no-arg constructor): between operators (inside {@code EventDelta}) Flink's POJO serializer writes
 * it. In the dedupe state {@code CleanEventSerializer} does: a new field here needs a new format
 * there that still reads the current one.
 */
public class CleanEvent {
    public String eventId;
    public String userId;

    /** Event time in microseconds since the epoch (Postgres' own precision). */
    public long occurredAtUs;

    public String eventName;

    /** The properties object without the promoted keys, as JSON. */
    public String propertiesJson;

    /** Promoted property values as ClickHouse text, in configuration order; null when absent. */
    public String[] promoted;

    /** Whether this event feeds the rollups (false for a late event). */
    public boolean counted;

    public CleanEvent() {}

    public long occurredAtMs() {
        return Math.floorDiv(occurredAtUs, 1000);
    }

    /** Same event content (ignores {@link #counted}). */
    public boolean sameContent(CleanEvent o) {
        return occurredAtUs == o.occurredAtUs
                && Objects.equals(eventId, o.eventId)
                && Objects.equals(userId, o.userId)
                && Objects.equals(eventName, o.eventName)
                && Objects.equals(propertiesJson, o.propertiesJson)
                && Arrays.equals(promoted, o.promoted);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CleanEvent e && sameContent(e) && counted == e.counted;
    }

    @Override
    public int hashCode() {
        return Objects.hash(eventId, occurredAtUs);
    }

    @Override
    public String toString() {
        return eventName
                + "("
                + eventId
                + " user="
                + userId
                + " at="
                + occurredAtUs
                + (counted ? "" : " not-counted")
                + ")";
    }
}
