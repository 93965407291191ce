package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.ChangeRecord;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The changes of tables that carry no event time (dimension rows: users, orders, refunds,
 * subscriptions), taken from the job's change stream and chained to the source. The source sends no
 * watermarks, so such a branch would be an input without a clock wherever it meets event-time
 * streams, and hold that clock at its start for good. This operator marks its output idle for good
 * once it runs (records still flow through an idle channel), from a processing-time timer rather
 * than in {@code open}, and swallows the watermarks and statuses from upstream, so the output never
 * becomes active again: the clock downstream is the events' alone. (The highest watermark instead
 * would not do: while the events' input is idle, the clock would jump to the end of time.)
 * Subclasses say which changes pass and what they become.
 */
@Internal
public abstract class ClocklessChanges<OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<ChangeRecord, OUT> {
    private static final long serialVersionUID = 1L;

    @Override
    public void open() throws Exception {
        super.open();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService()
                .registerTimer(now, time -> output.emitWatermarkStatus(WatermarkStatus.IDLE));
    }

    @Override
    public final void processWatermark(Watermark mark) {
        // Swallowed: see the class comment (an idle output would drop it anyway).
    }

    @Override
    public final void processWatermarkStatus(WatermarkStatus status) {
        // Swallowed: an ACTIVE from upstream must not make the output active again.
    }
}
