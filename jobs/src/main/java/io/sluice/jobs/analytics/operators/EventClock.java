package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.StampedChange;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The event-time clock of the analytics job, at parallelism 1 right after the source, where changes
 * are in WAL (commit) order. Watermark = the newest {@code occurred_at} streamed so far minus the
 * out-of-orderness bound. Each change leaves stamped with the watermark before it, and the
 * watermark goes downstream as a Flink watermark (which drives the rollups' state cleanup).
 *
 * <p>Why not a {@code WatermarkStrategy} on the source: lateness must be decided the same way in
 * every replay, or a restore could count an event the first run called late. Here the clock is a
 * function of the WAL order alone and its position is checkpointed, so the verdicts are
 * deterministic. Snapshot rows neither advance it nor are late (they are history, read in chunk
 * order); rows further in the future than the allowed skew (ahead of their commit time, never of
 * the wall clock) do not advance it either (they are dead letters).
 *
 * <p>The Flink watermark only drops state that no on-time change can reach any more. Snapshot rows
 * are never late, so they must not arrive after the watermark has passed their windows; with a
 * parallel source the last snapshot rows of one subtask can still be in flight when another has
 * begun streaming. So the Flink watermark is held back until no snapshot row has been seen for
 * {@link #SNAPSHOT_QUIET_MS} of processing time. This delays state cleanup only, not any result.
 */
@Internal
public final class EventClock extends AbstractStreamOperator<StampedChange>
        implements OneInputStreamOperator<ChangeRecord, StampedChange> {
    private static final long serialVersionUID = 1L;

    static final long SNAPSHOT_QUIET_MS = 10_000L;

    private static final ListStateDescriptor<Long> MAX_EVENT_TIME =
            new ListStateDescriptor<>("max-streamed-occurred-at-ms", Types.LONG);

    private final EventSchema schema;
    private final long outOfOrdernessMs;
    private final long maxFutureSkewMs;

    private transient ListState<Long> checkpointedMax;
    private transient long maxEventTimeMs;
    private transient long emittedWatermark;
    private transient long lastSnapshotRowMs;
    private transient boolean timerPending;

    public EventClock(EventSchema schema, long outOfOrdernessMs, long maxFutureSkewMs) {
        this.schema = schema;
        this.outOfOrdernessMs = outOfOrdernessMs;
        this.maxFutureSkewMs = maxFutureSkewMs;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        checkpointedMax = context.getOperatorStateStore().getUnionListState(MAX_EVENT_TIME);
        maxEventTimeMs = Long.MIN_VALUE;
        for (Long max : checkpointedMax.get()) {
            maxEventTimeMs = Math.max(maxEventTimeMs, max);
        }
        emittedWatermark = Long.MIN_VALUE;
        lastSnapshotRowMs = Long.MIN_VALUE;
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        checkpointedMax.update(List.of(maxEventTimeMs));
    }

    long watermark() {
        return maxEventTimeMs == Long.MIN_VALUE
                ? Long.MIN_VALUE
                : maxEventTimeMs - outOfOrdernessMs;
    }

    @Override
    public void processElement(StreamRecord<ChangeRecord> element) throws Exception {
        ChangeRecord change = element.getValue();
        long before = watermark();
        output.collect(new StreamRecord<>(new StampedChange(change, before)));
        long now = getProcessingTimeService().getCurrentProcessingTime();
        if (change.op() == ChangeRecord.Op.SNAPSHOT) {
            lastSnapshotRowMs = now;
        } else if (change.op() != ChangeRecord.Op.DELETE) {
            Long at = schema.occurredAtMicros(change);
            if (at != null) {
                long ms = Math.floorDiv(at, 1000L);
                // Future skew is judged against the commit time, as clean-and-dedupe does.
                if (ms <= CleanAndDedupeFunction.commitTime(change) + maxFutureSkewMs
                        && ms > maxEventTimeMs) {
                    maxEventTimeMs = ms;
                }
            }
        }
        advance(now);
    }

    /** Emits the watermark if it moved and no snapshot row came recently; else tries later. */
    private void advance(long now) {
        long wm = watermark();
        if (wm <= emittedWatermark) {
            return;
        }
        if (lastSnapshotRowMs == Long.MIN_VALUE || now - lastSnapshotRowMs >= SNAPSHOT_QUIET_MS) {
            emittedWatermark = wm;
            output.emitWatermark(new Watermark(wm));
        } else if (!timerPending) {
            timerPending = true;
            getProcessingTimeService()
                    .registerTimer(
                            lastSnapshotRowMs + SNAPSHOT_QUIET_MS,
                            time -> {
                                timerPending = false;
                                advance(getProcessingTimeService().getCurrentProcessingTime());
                            });
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        // The source has no watermarks of its own; only end of input passes.
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            super.processWatermark(mark);
        }
    }

    /**
     * Swallowed: this operator is the clock, and its output stays active. A source reader without a
     * split (Flink CDC closes the idle ones once the stream split is assigned) marks its channel
     * idle; passed on, an idle status from every channel would make downstream operators ignore the
     * watermarks emitted here, and event time (the alerts, state cleanup) would stop.
     */
    @Override
    public void processWatermarkStatus(WatermarkStatus status) {}
}
