package io.sluice.jobs.analytics.operators;

import static io.sluice.jobs.analytics.operators.CleanAndDedupeFunctionTest.SCHEMA;
import static io.sluice.jobs.analytics.operators.CleanAndDedupeFunctionTest.change;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.jobs.analytics.model.StampedChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** The event clock: watermarks from the streamed order alone, checkpointed. */
class EventClockTest {
    static final long OUT_OF_ORDERNESS = 300_000L;
    static final long NOW = Instant.parse("2026-11-20T12:00:00Z").toEpochMilli();

    private static OneInputStreamOperatorTestHarness<ChangeRecord, StampedChange> harness()
            throws Exception {
        OneInputStreamOperatorTestHarness<ChangeRecord, StampedChange> h =
                new OneInputStreamOperatorTestHarness<>(
                        new EventClock(SCHEMA, OUT_OF_ORDERNESS, 600_000L));
        h.setProcessingTime(NOW);
        return h;
    }

    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    /** Stamps and watermarks in output order, as "stamp:id" and "wm:value". */
    private static List<String> output(OneInputStreamOperatorTestHarness<?, StampedChange> h) {
        List<String> out = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof Watermark w) {
                out.add("wm:" + w.getTimestamp());
            } else {
                StampedChange s = (StampedChange) ((StreamRecord<?>) o).getValue();
                out.add(s.watermarkMs + ":" + SCHEMA.eventId(s.change));
            }
        }
        h.getOutput().clear();
        return out;
    }

    @Test
    void streamedEventsAdvanceTheWatermarkAndEachChangeCarriesTheOneBeforeIt() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            change(Op.SNAPSHOT, 0, "s", 1L, "2026-11-20T11:00:00Z", "x", null)));
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 1, "a", 1L, "2026-11-20T10:00:00Z", "x", null)));
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 2, "b", 1L, "2026-11-20T09:00:00Z", "x", null)));
            // Far in the future (a dead letter): must not move the clock.
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 3, "f", 1L, "2026-11-25T00:00:00Z", "x", null)));
            h.processElement(
                    new StreamRecord<>(
                            change(Op.UPDATE, 4, "c", 1L, "2026-11-20T10:30:00Z", "x", null)));
            long a = ms("2026-11-20T10:00:00Z") - OUT_OF_ORDERNESS;
            long c = ms("2026-11-20T10:30:00Z") - OUT_OF_ORDERNESS;
            // The Flink watermark waits until snapshot rows have stopped coming.
            assertThat(output(h))
                    .containsExactly(
                            Long.MIN_VALUE + ":s",
                            Long.MIN_VALUE + ":a",
                            a + ":b",
                            a + ":f",
                            a + ":c");
            h.setProcessingTime(NOW + EventClock.SNAPSHOT_QUIET_MS - 1);
            assertThat(output(h)).isEmpty();
            h.setProcessingTime(NOW + EventClock.SNAPSHOT_QUIET_MS);
            assertThat(output(h)).containsExactly("wm:" + c);
        }
    }

    @Test
    void anIdleSourceDoesNotStopTheClock() throws Exception {
        try (var h = harness()) {
            h.open();
            // A source reader without a split marks its channel idle; passed on, every operator
            // after this one would ignore the watermarks below.
            h.processWatermarkStatus(WatermarkStatus.IDLE);
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 1, "a", 1L, "2026-11-20T10:00:00Z", "x", null)));
            assertThat(h.getOutput()).noneMatch(o -> o instanceof WatermarkStatus);
            long a = ms("2026-11-20T10:00:00Z") - OUT_OF_ORDERNESS;
            assertThat(output(h)).containsExactly(Long.MIN_VALUE + ":a", "wm:" + a);
        }
    }

    @Test
    void withoutSnapshotRowsTheWatermarkFollowsImmediately() throws Exception {
        try (var h = harness()) {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 1, "a", 1L, "2026-11-20T10:00:00Z", "x", null)));
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 2, "b", 1L, "2026-11-20T09:59:00Z", "x", null)));
            long a = ms("2026-11-20T10:00:00Z") - OUT_OF_ORDERNESS;
            assertThat(output(h)).containsExactly(Long.MIN_VALUE + ":a", "wm:" + a, a + ":b");
        }
    }

    @Test
    void theClockIsRestoredFromACheckpoint() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness()) {
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 1, "a", 1L, "2026-11-20T10:00:00Z", "x", null)));
            snapshot = h.snapshot(1, NOW);
        }
        try (var h = harness()) {
            h.initializeState(snapshot);
            h.open();
            h.processElement(
                    new StreamRecord<>(
                            change(Op.INSERT, 2, "b", 1L, "2026-11-20T08:00:00Z", "x", null)));
            long a = ms("2026-11-20T10:00:00Z") - OUT_OF_ORDERNESS;
            assertThat(output(h)).containsExactly(a + ":b", "wm:" + a);
        }
    }
}
