package io.sluice.jobs.analytics.finance;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Pre-aggregates the {@link RevenueDelta}s of analytics.revenue_daily before their shuffle by day
 * and currency, in the task that made them, as {@code RollupCombiner} does for the count rollups:
 * the deltas of one row become one (numbers summed, the highest LSN kept), and one that sums to
 * nothing is dropped. A snapshot of the orders table, or a day of orders changing status, reaches
 * {@link RevenueDailyFunction} as a few records per day and currency instead of one per change.
 *
 * <p>Nothing is held across a checkpoint: the buffer is emitted before each barrier ({@link
 * #prepareSnapshotPreBarrier}), so the operator has no state and a restore replays exactly what the
 * last checkpoint had not seen. It is also emitted once a second, when it holds {@link #MAX_KEYS}
 * keys, at the end of input, and before a watermark (none comes on this branch: {@link
 * FinanceChanges}).
 */
@Internal
public final class RevenueCombiner extends AbstractStreamOperator<RevenueDelta>
        implements OneInputStreamOperator<RevenueDelta, RevenueDelta>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Buffered keys beyond which the buffer is emitted at once. */
    static final int MAX_KEYS = 20_000;

    static final long FLUSH_INTERVAL_MS = 1_000L;

    private transient Map<String, RevenueDelta> buffer;
    private transient boolean timerSet;

    @Override
    public void open() throws Exception {
        super.open();
        buffer = new LinkedHashMap<>();
    }

    @Override
    public void processElement(StreamRecord<RevenueDelta> element) throws Exception {
        RevenueDelta d = element.getValue();
        RevenueDelta sum = buffer.get(d.key());
        if (sum != null) {
            sum.add(d);
            return;
        }
        buffer.put(
                d.key(),
                new RevenueDelta(
                        d.day, d.currency, d.orders, d.gross, d.refunds, d.refundCount, d.lsn));
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
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        flush();
        super.processWatermark(mark);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    private void flush() {
        for (RevenueDelta d : buffer.values()) {
            if (!d.isZero()) {
                output.collect(new StreamRecord<>(d));
            }
        }
        buffer.clear();
    }
}
