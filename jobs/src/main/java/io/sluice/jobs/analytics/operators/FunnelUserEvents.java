package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.FunnelEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The user's events that {@link FunnelFunction}'s funnels can read ({@link FunnelEvent}, keyed by
 * {@code Sessionizer.eventKey} so keys sort in event order), in keyed state: kept and removed as
 * the user's changes arrive, read back in event order, and dropped once no change can reach them.
 */
final class FunnelUserEvents {
    private final MapState<String, FunnelEvent> events;

    FunnelUserEvents(RuntimeContext context) {
        events =
                context.getMapState(
                        new MapStateDescriptor<>(
                                "funnel-events",
                                Types.STRING,
                                TypeInformation.of(FunnelEvent.class)));
    }

    void put(String key, FunnelEvent event) throws Exception {
        events.put(key, event);
    }

    void remove(String key) throws Exception {
        events.remove(key);
    }

    /** All the user's events, in event order. */
    List<Map.Entry<String, FunnelEvent>> sorted() throws Exception {
        return sorted(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** The user's events in {@code [fromUs, toUs]}, in event order. */
    List<Map.Entry<String, FunnelEvent>> sorted(long fromUs, long toUs) throws Exception {
        List<Map.Entry<String, FunnelEvent>> sorted = new ArrayList<>();
        for (Map.Entry<String, FunnelEvent> entry : events.entries()) {
            long t = entry.getValue().occurredAtUs;
            if (t >= fromUs && t <= toUs) {
                sorted.add(Map.entry(entry.getKey(), entry.getValue()));
            }
        }
        sorted.sort(Map.Entry.comparingByKey());
        return sorted;
    }

    /** Drops the events that occurred before {@code firstUs}. */
    void dropBefore(long firstUs) throws Exception {
        List<String> drop = new ArrayList<>();
        for (Map.Entry<String, FunnelEvent> e : events.entries()) {
            if (e.getValue().occurredAtUs < firstUs) {
                drop.add(e.getKey());
            }
        }
        for (String k : drop) {
            events.remove(k);
        }
    }
}
