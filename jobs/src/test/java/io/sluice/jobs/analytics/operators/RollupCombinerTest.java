package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.EventDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The pre-aggregation before a rollup's shuffle: the counts it leads to are the counts of the raw
 * deltas, nothing is held across a barrier, and no watermark overtakes a buffered delta.
 */
class RollupCombinerTest {
    private static final String[] NAMES = {"session_start", "session_end", "click", "page_view"};

    @Test
    void combinedDeltasAddUpToTheRawOnesAndNothingWaitsPastABarrier() throws Exception {
        Random random = new Random(7);
        for (RollupSpec spec :
                List.of(
                        RollupSpec.eventsPerWindow("events_per_minute", 60_000L),
                        RollupSpec.sessionsDaily())) {
            List<EventDelta> raw = new ArrayList<>();
            List<CleanEvent> live = new ArrayList<>();
            long lsn = 100;
            for (int i = 0; i < 3000; i++) {
                lsn += 1 + random.nextInt(50);
                if (!live.isEmpty() && random.nextInt(4) == 0) {
                    raw.add(new EventDelta(-1, live.remove(random.nextInt(live.size())), lsn));
                } else {
                    CleanEvent e =
                            RollupOperatorsTest.event(
                                    "e" + i,
                                    "u" + random.nextInt(5),
                                    "2026-11-2"
                                            + random.nextInt(3)
                                            + "T10:0"
                                            + random.nextInt(4)
                                            + ":00Z",
                                    NAMES[random.nextInt(NAMES.length)]);
                    e.propertiesJson = "{\"path\": \"/p\"}";
                    live.add(e);
                    raw.add(new EventDelta(1, e, lsn));
                }
            }
            List<EventDelta> combined = new ArrayList<>();
            try (var h = new OneInputStreamOperatorTestHarness<>(new RollupCombiner(spec))) {
                h.open();
                long checkpoint = 0;
                for (int i = 0; i < raw.size(); i++) {
                    h.processElement(new StreamRecord<>(raw.get(i)));
                    if (random.nextInt(200) == 0) {
                        h.prepareSnapshotPreBarrier(++checkpoint);
                        combined.addAll(h.extractOutputValues());
                        h.getOutput().clear();
                        // Whatever came before the barrier has left: nothing is buffered.
                        assertThat(counts(spec, combined))
                                .isEqualTo(counts(spec, raw.subList(0, i + 1)));
                    }
                }
                h.endInput();
                combined.addAll(h.extractOutputValues());
            }
            assertThat(combined.size()).isLessThan(raw.size() / 2);
            assertThat(counts(spec, combined)).isEqualTo(counts(spec, raw));
            for (EventDelta d : combined) {
                assertThat(d.event.propertiesJson).isNull();
            }
            // The newest LSN of each key survives, so rows are versioned at or above it.
            assertThat(maxLsn(spec, combined)).isEqualTo(maxLsn(spec, raw));
        }
    }

    @Test
    void aWatermarkWaitsForTheDeltasBufferedBeforeIt() throws Exception {
        RollupSpec spec = RollupSpec.eventsPerWindow("events_per_minute", 60_000L);
        try (var h = new OneInputStreamOperatorTestHarness<>(new RollupCombiner(spec))) {
            h.open();
            h.setProcessingTime(0);
            CleanEvent e = RollupOperatorsTest.event("a", "u", "2026-11-20T10:00:00Z", "click");
            h.processElement(new StreamRecord<>(new EventDelta(1, e, 10)));
            h.processWatermark(new Watermark(5_000));
            assertThat(h.getOutput()).isEmpty();
            h.setProcessingTime(RollupCombiner.FLUSH_INTERVAL_MS);
            List<Object> out = new ArrayList<>(h.getOutput());
            assertThat(out).hasSize(2);
            assertThat(out.get(0)).isInstanceOf(StreamRecord.class);
            assertThat(out.get(1)).isEqualTo(new Watermark(5_000));
            // With nothing buffered, a watermark passes at once.
            h.getOutput().clear();
            h.processWatermark(new Watermark(6_000));
            assertThat(h.getOutput()).containsExactly(new Watermark(6_000));
        }
    }

    private static Map<String, List<Long>> counts(RollupSpec spec, List<EventDelta> deltas) {
        Map<String, List<Long>> out = new HashMap<>();
        for (EventDelta d : deltas) {
            long[] inc = spec.increments(d.event);
            List<Long> c =
                    out.computeIfAbsent(
                            spec.key(d.event), k -> new ArrayList<>(List.of(0L, 0L, 0L)));
            for (int i = 0; i < inc.length; i++) {
                c.set(i, c.get(i) + d.sign * inc[i]);
            }
        }
        return out;
    }

    private static Map<String, Long> maxLsn(RollupSpec spec, List<EventDelta> deltas) {
        Map<String, Long> out = new HashMap<>();
        for (EventDelta d : deltas) {
            out.merge(spec.key(d.event), d.lsn, Math::max);
        }
        return out;
    }
}
