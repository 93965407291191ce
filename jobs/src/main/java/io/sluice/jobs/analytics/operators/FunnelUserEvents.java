package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import io.sluice.jobs.analytics.model.FunnelEvent;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The user's events that {@link FunnelFunction}'s funnels can read, in keyed state: one {@link
 * EventLog} per user, in event order, holding per event the step masks of each funnel. Kept and
 * removed as the user's changes arrive, and dropped once no change can reach them.
 *
 * <p>Append-only (for RocksDB, see {@link SessionizeFunction#SessionizeFunction(long, long, long,
 * boolean)}): an added event is written as a segment of its own, put into the log when it is read,
 * and the log is rewritten with the segments folded in once they are {@link #FOLD_SEGMENTS} or
 * more, or for a removal or a cleanup. Either way reads the other's state.
 *
 * <p>The {@link Tail} of the log lets {@link FunnelFunction} add an event without reading the log
 * when it can tell that the event changes no attempt: an upper bound of the last event's time
 * (whether the event goes after every other), and how many segments were added without a read since
 * the last one. The heap layout keeps it exact too, so that the append-only layout can restore its
 * state; a state without it (an earlier build's) reads the log at the next change.
 */
final class FunnelUserEvents {
    /** In the append-only layout, the segments that make a read fold them into the log. */
    static final int FOLD_SEGMENTS = 32;

    private final int funnels;
    private final boolean appendOnly;
    private final ValueState<EventLog> events;
    private final ListState<EventLog> segments;

    /** {@code [last, unread]} of the {@link Tail}; none: not known. */
    private final ValueState<long[]> tail;

    /**
     * Where builds before {@link EventLog} kept the events ({@link FunnelEvent} keyed by {@code
     * Sessionizer.eventKey}); a user's entries move to the log at their first access.
     */
    private final MapState<String, FunnelEvent> legacy;

    FunnelUserEvents(RuntimeContext context, int funnels) {
        this(context, funnels, false);
    }

    FunnelUserEvents(RuntimeContext context, int funnels, boolean appendOnly) {
        this.funnels = funnels;
        this.appendOnly = appendOnly;
        segments =
                context.getListState(
                        new ListStateDescriptor<>("funnel-log-segments", new EventLogSerializer()));
        events =
                context.getState(
                        new ValueStateDescriptor<>("funnel-event-log", new EventLogSerializer()));
        tail =
                context.getState(
                        new ValueStateDescriptor<>(
                                "funnel-log-tail",
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        legacy =
                context.getMapState(
                        new MapStateDescriptor<>(
                                "funnel-events",
                                Types.STRING,
                                TypeInformation.of(FunnelEvent.class)));
    }

    /**
     * What is known of the log without reading it: {@code last}, a time no event of the log is
     * after (the time of an event put in it), and {@code unread}, the segments added since the log
     * was last read.
     */
    record Tail(long last, int unread) {
        /** Whether an event at {@code occurredAtUs} goes after every event of the log. */
        boolean isBefore(long occurredAtUs) {
            return occurredAtUs > last;
        }
    }

    /** The log's tail, or null when it is not known (then read the log). */
    Tail tail() throws Exception {
        long[] v = tail.value();
        return v == null ? null : new Tail(v[0], (int) v[1]);
    }

    /**
     * Adds or replaces the event; returns the user's log after the change, or, append-only and
     * without {@code read}, null.
     */
    EventLog put(long occurredAtUs, String eventId, int[] masks, boolean read) throws Exception {
        if (appendOnly) {
            segments.add(segment(occurredAtUs, eventId, masks));
            if (!read) {
                return null;
            }
            EventLog log = read();
            noteRead(log);
            return log;
        }
        EventLog log = read();
        log.put(occurredAtUs, eventId, masks, null);
        events.update(log);
        noteRead(log);
        return log;
    }

    /**
     * Append-only: adds the event as a segment without reading the log, with the {@code known} tail
     * (not null) moved on. The caller knows that the event changes no attempt.
     */
    void append(long occurredAtUs, String eventId, int[] masks, Tail known) throws Exception {
        segments.add(segment(occurredAtUs, eventId, masks));
        tail.update(new long[] {Math.max(known.last(), occurredAtUs), known.unread() + 1L});
    }

    private EventLog segment(long occurredAtUs, String eventId, int[] masks) {
        EventLog segment = EventLog.empty(funnels, false);
        segment.put(occurredAtUs, eventId, masks, null);
        return segment;
    }

    /** Removes the event; returns the user's log after the change. */
    EventLog remove(long occurredAtUs, String eventId) throws Exception {
        EventLog log = read();
        if (log.remove(occurredAtUs, eventId)) {
            store(log);
        }
        noteRead(log);
        return log;
    }

    /** All the user's events, in event order. */
    EventLog log() throws Exception {
        EventLog log = read();
        noteRead(log);
        return log;
    }

    /**
     * The log's tail, as read: its last event, and no segment unread. An empty log keeps none (the
     * user's state is gone once the log and the attempts are), so its next change reads it.
     */
    private void noteRead(EventLog log) throws Exception {
        if (log.size() == 0) {
            tail.clear();
        } else {
            tail.update(new long[] {log.time(log.size() - 1), 0L});
        }
    }

    private EventLog read() throws Exception {
        EventLog log = events.value();
        if (log == null) {
            log = legacyLog();
        }
        int n = 0;
        for (EventLog segment : segments.get()) {
            log.putAll(segment);
            n++;
        }
        if (n > 0 && (!appendOnly || n >= FOLD_SEGMENTS)) {
            store(log);
        }
        return log;
    }

    /** The log of a user without one: empty, or the entries of a build before the log. */
    private EventLog legacyLog() throws Exception {
        EventLog log = EventLog.empty(funnels, false);
        if (!legacy.isEmpty()) {
            for (Map.Entry<String, FunnelEvent> e : legacy.entries()) {
                String key = e.getKey();
                log.put(
                        e.getValue().occurredAtUs,
                        key.substring(key.indexOf('|') + 1),
                        e.getValue().stepMasks,
                        null);
            }
            legacy.clear();
            // Stored now: the first access after a restore may be a timer that only reads.
            if (log.size() > 0) {
                events.update(log);
            }
        }
        return log;
    }

    /** Drops the events that occurred before {@code firstUs}. */
    void dropBefore(long firstUs) throws Exception {
        EventLog log = read();
        int n = log.firstAtOrAfter(firstUs);
        if (n > 0) {
            log.dropFirst(n);
            store(log);
        }
        noteRead(log);
    }

    /** Stores the log, the segments folded in. */
    private void store(EventLog log) throws Exception {
        segments.clear();
        if (log.size() == 0) {
            events.clear();
        } else {
            events.update(log);
        }
    }
}
