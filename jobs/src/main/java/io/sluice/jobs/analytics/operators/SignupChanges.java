package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.model.SignupSchema;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;

/**
 * The users table's changes as {@link SignupChange}s, for {@link SignupCohortFunction}; every other
 * change is dropped. Stateless, chained to the source.
 *
 * <p>Watermarks: the signups are the second input of an operator whose event-time clock (the
 * minimum over its active inputs) drives the user-keyed operators after it. The source sends no
 * watermarks, so this input would hold that clock at its start for good. Signup changes have no
 * event time, so this operator marks its output idle for good (records still flow through an idle
 * channel): the clock is then the events' alone. It does so once it runs, from a processing-time
 * timer rather than in {@code open}, and swallows the watermarks and statuses from upstream, so the
 * output never becomes active again. (The highest watermark instead would not do: while the events'
 * input is idle, the clock would jump to the end of time.)
 */
@Internal
public final class SignupChanges extends AbstractStreamOperator<SignupChange>
        implements OneInputStreamOperator<ChangeRecord, SignupChange> {
    private static final long serialVersionUID = 1L;

    private final SignupSchema schema;

    public SignupChanges(SignupSchema schema) {
        this.schema = schema;
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
        ChangeRecord change = element.getValue();
        if (schema.isUsersRow(change)) {
            SignupChange signup = schema.signup(change);
            if (signup != null) {
                output.collect(element.replace(signup));
            }
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
