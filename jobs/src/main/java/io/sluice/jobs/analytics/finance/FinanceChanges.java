package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The changes of the finance tables (orders and refunds), taken from the job's change stream as
 * {@code SignupChanges} takes the users table's; every other change is dropped. Stateless, chained
 * to the source.
 *
 * <p>Watermarks: revenue needs no event time (an order counts on its own day whenever it changes),
 * and the source sends no watermarks, so this output would be an input without a clock wherever it
 * meets event-time streams (the analytics sink unions every table's rows). As {@code SignupChanges}
 * does, it marks its output idle for good once it runs (records still flow through an idle channel)
 * and swallows the watermarks and statuses from upstream, so its branch never holds back or moves
 * another operator's clock.
 */
@Internal
public final class FinanceChanges extends AbstractStreamOperator<ChangeRecord>
        implements OneInputStreamOperator<ChangeRecord, ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final HashSet<TableId> tables;

    public FinanceChanges(Set<TableId> tables) {
        this.tables = new HashSet<>(tables);
    }

    @Override
    public void open() throws Exception {
        super.open();
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService()
                .registerTimer(now, time -> output.emitWatermarkStatus(WatermarkStatus.IDLE));
    }

    @Override
    public void processElement(StreamRecord<ChangeRecord> element) {
        if (tables.contains(element.getValue().table())) {
            output.collect(element);
        }
    }

    @Override
    public void processWatermark(Watermark mark) {
        // Swallowed: see the class comment (an idle output would drop it anyway).
    }

    @Override
    public void processWatermarkStatus(WatermarkStatus status) {
        // Swallowed: an ACTIVE from upstream must not make the output active again.
    }
}
