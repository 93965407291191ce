package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import io.sluice.jobs.analytics.model.FunnelEvent;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The user's events that {@link FunnelFunction}'s funnels can read, in keyed state: one {@link
 * EventLog} per user, in event order, holding per event the step masks of each funnel. Kept and
 * removed as the user's changes arrive, and dropped once no change can reach them.
 */
final class FunnelUserEvents {
    private final int funnels;
    private final ValueState<EventLog> events;

    /**
     * Where builds before {@link EventLog} kept the events ({@link FunnelEvent} keyed by {@code
     * Sessionizer.eventKey}); a user's entries move to the log at their first access.
     */
    private final MapState<String, FunnelEvent> legacy;

    FunnelUserEvents(RuntimeContext context, int funnels) {
        this.funnels = funnels;
        events =
                context.getState(
                        new ValueStateDescriptor<>("funnel-event-log", new EventLogSerializer()));
        legacy =
                context.getMapState(
                        new MapStateDescriptor<>(
                                "funnel-events",
                                Types.STRING,
                                TypeInformation.of(FunnelEvent.class)));
    }

    /** Adds or replaces the event; returns the user's log after the change. */
    EventLog put(long occurredAtUs, String eventId, int[] masks) throws Exception {
        EventLog log = log();
        log.put(occurredAtUs, eventId, masks, null);
        events.update(log);
        return log;
    }

    /** Removes the event; returns the user's log after the change. */
    EventLog remove(long occurredAtUs, String eventId) throws Exception {
        EventLog log = log();
        if (log.remove(occurredAtUs, eventId)) {
            store(log);
        }
        return log;
    }

    /** All the user's events, in event order. */
    EventLog log() throws Exception {
        EventLog log = events.value();
        if (log != null) {
            return log;
        }
        log = EventLog.empty(funnels, false);
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
            store(log);
        }
        return log;
    }

    /** Drops the events that occurred before {@code firstUs}. */
    void dropBefore(long firstUs) throws Exception {
        EventLog log = log();
        int n = log.firstAtOrAfter(firstUs);
        if (n > 0) {
            log.dropFirst(n);
            store(log);
        }
    }

    private void store(EventLog log) throws Exception {
        if (log.size() == 0) {
            events.clear();
        } else {
            events.update(log);
        }
    }
}
