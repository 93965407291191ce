package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FeatureDefinition;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.SignupChange;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * {@link UserCohortFunction} with {@code analytics.retention.cohort-by: signup}: keyed by user, the
 * clean event deltas (first input, passed on unchanged to the main output as there) and the users'
 * {@link SignupChange}s (second input, from {@link SignupChanges}), with the same definitions,
 * state descriptors, side output {@link UserCohortFunction#COHORTS} and uid {@code user-cohorts},
 * except that the cohort week is the week of the user's current signup time.
 *
 * <p>Signup changes are dimension rows, not events: no lateness applies to them, and the newest by
 * LSN wins whatever order they arrive in (snapshot rows from one source subtask can still be in
 * flight when streamed changes from another arrive). A change moves the user's contribution
 * exactly: −old, +new, both at the change's LSN. The second input never holds back the event-time
 * clock ({@link SignupChanges} marks it idle).
 *
 * <p>State, besides {@link UserCohortFunction}'s: the user's newest signup change, removals
 * included (so an older change cannot bring a deleted user back): one entry per user ever seen in
 * the users table. A user's events are kept while the user is in no cohort, since the users row can
 * still arrive.
 */
@Internal
public final class SignupCohortFunction
        extends KeyedCoProcessFunction<String, EventDelta, SignupChange, EventDelta> {
    private static final long serialVersionUID = 1L;

    private final UserCohorts cohorts;

    /** As {@link UserCohortFunction#UserCohortFunction}. */
    public SignupCohortFunction(
            String returnEvent, List<FeatureDefinition> features, EventProperties properties) {
        this.cohorts = new UserCohorts(returnEvent, features, properties, true);
    }

    @Override
    public void open(OpenContext openContext) {
        cohorts.open(getRuntimeContext());
    }

    @Override
    public void processElement1(EventDelta delta, Context ctx, Collector<EventDelta> out)
            throws Exception {
        out.collect(delta);
        cohorts.onDelta(delta, c -> ctx.output(UserCohortFunction.COHORTS, c));
    }

    @Override
    public void processElement2(SignupChange signup, Context ctx, Collector<EventDelta> out)
            throws Exception {
        cohorts.onSignup(signup, c -> ctx.output(UserCohortFunction.COHORTS, c));
    }
}
