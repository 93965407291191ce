package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.EventDelta;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Pre-aggregates a counting rollup's deltas before their shuffle, in the task that made them: the
 * deltas of one row key that add the same increments ({@link RollupSpec#increments}) become one
 * delta whose sign is their sum, carrying the newest LSN and a copy of the event reduced to what
 * the row needs ({@link RollupSpec#reduce}: no properties, unless the key reads them). {@link
 * CountRollupFunction} adds {@code sign × increments}, so the counts it writes are the same, with
 * fewer and smaller records on the wire.
 *
 * <p>Nothing is held across a checkpoint: the buffer is emitted before each barrier ({@link
 * #prepareSnapshotPreBarrier}), so the operator has no state and a restore replays exactly what the
 * last checkpoint had not seen. It is also emitted once a second, when it holds {@link #MAX_KEYS}
 * keys, and at the end of input. A watermark that arrives while deltas are buffered waits for them
 * (the rollup drops a window's state when the watermark passes it, so no delta may be overtaken by
 * one); rollup rows are only written when a checkpoint completes, so this delays no result.
 */
@Internal
public final class RollupCombiner extends AbstractStreamOperator<EventDelta>
        implements OneInputStreamOperator<EventDelta, EventDelta>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Buffered keys beyond which the buffer is emitted at once. */
    static final int MAX_KEYS = 20_000;

    static final long FLUSH_INTERVAL_MS = 1_000L;

    private final RollupSpec spec;
    private transient Map<String, EventDelta> buffer;
    private transient Watermark heldWatermark;
    private transient boolean timerSet;

    public RollupCombiner(RollupSpec spec) {
        this.spec = spec;
    }

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new LinkedHashMap<>();
    }

    @Override
    public void processElement(StreamRecord<EventDelta> element) throws Exception {
        EventDelta d = element.getValue();
        CleanEvent e = d.event;
        if (!spec.accepts(e)) {
            return;
        }
        String key = spec.key(e) + '\u0000' + Arrays.toString(spec.increments(e));
        EventDelta sum = buffer.get(key);
        if (sum == null) {
            buffer.put(key, new EventDelta(d.sign, spec.reduce(e), d.lsn));
            if (buffer.size() >= MAX_KEYS) {
                flush();
            } else if (!timerSet) {
                timerSet = true;
                long now = getProcessingTimeService().getCurrentProcessingTime();
                getProcessingTimeService()
                        .registerTimer(
                                now + FLUSH_INTERVAL_MS,
                                t -> {
                                    timerSet = false;
                                    flush();
                                });
            }
        } else {
            sum.sign += d.sign;
            sum.lsn = Math.max(sum.lsn, d.lsn);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (buffer.isEmpty() || mark.getTimestamp() == Long.MAX_VALUE) {
            flush();
            super.processWatermark(mark);
        } else {
            heldWatermark = mark;
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    private void flush() throws Exception {
        for (EventDelta d : buffer.values()) {
            output.collect(new StreamRecord<>(d));
        }
        buffer.clear();
        if (heldWatermark != null) {
            Watermark w = heldWatermark;
            heldWatermark = null;
            super.processWatermark(w);
        }
    }
}
