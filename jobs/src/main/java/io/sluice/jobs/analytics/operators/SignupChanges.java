package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.model.SignupSchema;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The users table's changes as {@link SignupChange}s, for {@link SignupCohortFunction}; every other
 * change is dropped. Stateless, chained to the source.
 *
 * <p>Watermarks: none of its own; see {@link ClocklessChanges}.
 */
@Internal
public final class SignupChanges extends ClocklessChanges<SignupChange> {
    private static final long serialVersionUID = 1L;

    private final SignupSchema schema;

    public SignupChanges(SignupSchema schema) {
        this.schema = schema;
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
}
