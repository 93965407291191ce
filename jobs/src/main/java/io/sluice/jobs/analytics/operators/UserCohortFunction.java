package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FeatureDefinition;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by user: follows the user's cohort, weekly retention and feature adoption, and emits how
 * they move the rows of {@link CohortWeeklyFunction} as {@link CohortDelta}s to {@link #COHORTS}.
 * Every input delta also goes on unchanged to the main output, so this operator chains in front of
 * the other user-keyed operators.
 *
 * <p>Definitions (weeks are ISO weeks, Monday 00:00 UTC to the next Monday, as ClickHouse {@code
 * toMonday} and Postgres {@code date_trunc('week', occurred_at AT TIME ZONE 'UTC')}; a week is the
 * epoch day of its Monday):
 *
 * <ul>
 *   <li>The user's <em>cohort week</em> ({@code analytics.retention.cohort-by: first-event}, this
 *       class) is the week of the user's first counted event (earliest {@code occurred_at}). It
 *       moves exactly when an earlier event arrives late or the first event is deleted or
 *       corrected. By signup ({@link SignupCohortFunction}) it is the week of the user's signup
 *       time in the users table instead: a user without a users row, or with a NULL time, is in no
 *       cohort, and a user with a row but no events is in it, retained in no week.
 *   <li>The user is <em>retained</em> in week n (0..12) with at least one return event in week
 *       cohort + n: any event when {@code returnEvent} is null (week 0 then always counts, by first
 *       event), else an event of that name (week 0 included). Events before the cohort week (only
 *       by signup) count for nothing.
 *   <li>A feature ({@link FeatureDefinition}) is an event name, or each text value ({@link
 *       EventProperties#get}) of a property on events of a name. The user adopted it in week n
 *       (0..12) when the first use in the cohort week or later falls in week cohort + n; adoption
 *       is cumulative, so the user counts as an adopter in weeks n..12. A first use after week 12
 *       is no adoption. Two definitions yielding the same text (say event {@code export} and a
 *       property value {@code export}) are one feature.
 * </ul>
 *
 * <p>The contribution (cohort, retained weeks, first-use weeks) depends only on which weeks have
 * events, return events and uses of each feature, so it is recomputed only when a change makes such
 * a count go from 0 to 1 or back; when it then differs from the last one emitted, the function
 * emits −old and +new, both with the change's LSN. A user whose events are all deleted emits −old
 * and leaves state.
 *
 * <p>The logic and state are in {@link UserCohorts}, shared with {@link SignupCohortFunction} (same
 * uid {@code user-cohorts}, same state descriptors).
 *
 * <p>State: per week with events, the user's events and return events; per feature and week, the
 * uses; and the last contribution emitted. It is bounded by the number of distinct weeks the user
 * was active in (times the features used in each), not by the number of events, and is kept for as
 * long as the user has events: a week more than 12 weeks after the cohort still matters, because
 * deleting or correcting the first events can move the cohort up to it. (Pruning would need the
 * repair horizon: once week cohort + 12 is older than watermark − horizon, nothing could move the
 * contribution any more.)
 */
@Internal
public final class UserCohortFunction extends KeyedProcessFunction<String, EventDelta, EventDelta> {
    private static final long serialVersionUID = 1L;

    /** The users' changes of contribution, for {@link CohortWeeklyFunction} keyed by cohort. */
    public static final OutputTag<CohortDelta> COHORTS =
            new OutputTag<>("cohorts", TypeInformation.of(CohortDelta.class));

    private final UserCohorts cohorts;

    /**
     * @param returnEvent the event name that counts as a return, or null for any event
     * @param features the features to follow (none for retention alone)
     * @param properties reads the property values of property features
     */
    public UserCohortFunction(
            String returnEvent, List<FeatureDefinition> features, EventProperties properties) {
        this.cohorts = new UserCohorts(returnEvent, features, properties, false);
    }

    @Override
    public void open(OpenContext openContext) {
        cohorts.open(getRuntimeContext());
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<EventDelta> out)
            throws Exception {
        out.collect(delta);
        cohorts.onDelta(delta, c -> ctx.output(COHORTS, c));
    }
}
