package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FeatureDefinition;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.SignupChange;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The per-user logic and keyed state of {@link UserCohortFunction} (cohort by first event) and
 * {@link SignupCohortFunction} (cohort by signup), both with the uid {@code user-cohorts}: the
 * definitions are in {@link UserCohortFunction}. The state descriptors are the same in both modes;
 * cohort by signup adds the user's newest {@link SignupChange}.
 */
final class UserCohorts implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String returnEvent;
    private final List<FeatureDefinition> features;
    private final EventProperties properties;
    private final boolean bySignup;

    /** Week → {events, return events} of the user. */
    private transient MapState<Long, long[]> weeks;

    /** {@code "<week> <feature>"} → uses of the feature in that week. */
    private transient MapState<String, Long> featureUses;

    /** The user's contribution last emitted with sign +1, or null. */
    private transient ValueState<CohortDelta> emitted;

    /** By signup: the newest (by LSN) signup change of the user, a removal included. */
    private transient ValueState<SignupChange> signup;

    UserCohorts(
            String returnEvent,
            List<FeatureDefinition> features,
            EventProperties properties,
            boolean bySignup) {
        this.returnEvent = returnEvent;
        this.features = List.copyOf(features);
        this.properties = Objects.requireNonNull(properties);
        this.bySignup = bySignup;
    }

    void open(RuntimeContext context) {
        weeks =
                context.getMapState(
                        new MapStateDescriptor<>(
                                "cohort-weeks",
                                Types.LONG,
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        featureUses =
                context.getMapState(
                        new MapStateDescriptor<>("feature-week-uses", Types.STRING, Types.LONG));
        emitted =
                context.getState(
                        new ValueStateDescriptor<>(
                                "cohort-contribution", TypeInformation.of(CohortDelta.class)));
        if (bySignup) {
            signup =
                    context.getState(
                            new ValueStateDescriptor<>(
                                    "signup", TypeInformation.of(SignupChange.class)));
        }
    }

    /** Counts an event delta in; emits the user's changes of contribution to {@code out}. */
    void onDelta(EventDelta delta, Consumer<CohortDelta> out) throws Exception {
        CleanEvent e = delta.event;
        int sign = delta.sign;
        long week = CohortDelta.weekOf(e.occurredAtUs);
        long[] before = weeks.get(week);
        long events = before == null ? 0 : before[0];
        long returns = before == null ? 0 : before[1];
        long[] after = {events + sign, returns + (isReturn(e) ? sign : 0)};
        boolean moved = (events > 0) != (after[0] > 0) || (returns > 0) != (after[1] > 0);
        if (after[0] <= 0 && after[1] <= 0) {
            weeks.remove(week);
        } else {
            weeks.put(week, after);
        }
        for (String feature : featuresOf(e)) {
            String key = week + " " + feature;
            Long uses = featureUses.get(key);
            long was = uses == null ? 0 : uses;
            long now = was + sign;
            moved |= (was > 0) != (now > 0);
            if (now <= 0) {
                featureUses.remove(key);
            } else {
                featureUses.put(key, now);
            }
        }
        if (moved) {
            emitIfChanged(delta.lsn, out);
        }
    }

    /**
     * By signup: takes the user's signup as it is after {@code change}, unless a newer change (a
     * higher LSN) is already in; emits the user's changes of contribution to {@code out}.
     */
    void onSignup(SignupChange change, Consumer<CohortDelta> out) throws Exception {
        SignupChange current = signup.value();
        if (current != null && change.lsn < current.lsn) {
            return; // an older row overtaken by a newer one (a snapshot row still in flight)
        }
        // A removal is kept too, so that an older row arriving after it cannot bring the user back.
        signup.update(change);
        emitIfChanged(change.lsn, out);
    }

    private void emitIfChanged(long lsn, Consumer<CohortDelta> out) throws Exception {
        CohortDelta now = contribution(lsn);
        CohortDelta last = emitted.value();
        if (last == null ? now == null : last.sameContribution(now)) {
            return;
        }
        if (last != null) {
            out.accept(last.withSign(-1, lsn));
        }
        if (now == null) {
            emitted.clear();
            if (!bySignup) {
                // No events left: the user is in no cohort, and keeps nothing. (By signup, the
                // user's events are kept: a users row arriving later puts them in a cohort.)
                weeks.clear();
                featureUses.clear();
            }
        } else {
            out.accept(now);
            emitted.update(now);
        }
    }

    /**
     * The Monday of the user's cohort week (epoch day), or null in none: by first event, the
     * earliest week with events; by signup, the week of the signup time.
     */
    private Long cohortWeek() throws Exception {
        if (bySignup) {
            SignupChange s = signup.value();
            return s == null || !s.signedUp() ? null : CohortDelta.weekOf(s.signedUpAtUs);
        }
        long cohort = Long.MAX_VALUE;
        for (Map.Entry<Long, long[]> w : weeks.entries()) {
            if (w.getValue()[0] > 0) {
                cohort = Math.min(cohort, w.getKey());
            }
        }
        return cohort == Long.MAX_VALUE ? null : cohort;
    }

    /** The user's contribution as the state now holds it (sign +1), or null in no cohort. */
    private CohortDelta contribution(long lsn) throws Exception {
        Long cohortOrNull = cohortWeek();
        if (cohortOrNull == null) {
            return null;
        }
        long cohort = cohortOrNull;
        Map<Long, long[]> byWeek = new HashMap<>();
        for (Map.Entry<Long, long[]> w : weeks.entries()) {
            byWeek.put(w.getKey(), w.getValue());
        }
        int mask = 0;
        for (int n = 0; n < CohortDelta.WEEKS; n++) {
            long[] c = byWeek.get(cohort + 7L * n);
            if (c != null && c[1] > 0) {
                mask |= 1 << n;
            }
        }
        // The first use in the cohort week or after: a use before it (only by signup: an event
        // before the signup week) counts for nothing.
        TreeMap<String, Long> firstUse = new TreeMap<>();
        for (Map.Entry<String, Long> u : featureUses.entries()) {
            if (u.getValue() > 0) {
                String key = u.getKey();
                int space = key.indexOf(' ');
                long week = Long.parseLong(key.substring(0, space));
                if (week >= cohort) {
                    firstUse.merge(key.substring(space + 1), week, Math::min);
                }
            }
        }
        List<String> adopted = new ArrayList<>();
        List<Integer> weekN = new ArrayList<>();
        for (Map.Entry<String, Long> f : firstUse.entrySet()) {
            long n = Math.floorDiv(f.getValue() - cohort, 7L);
            if (n < CohortDelta.WEEKS) {
                adopted.add(f.getKey());
                weekN.add((int) n);
            }
        }
        int[] first = new int[weekN.size()];
        for (int i = 0; i < first.length; i++) {
            first[i] = weekN.get(i);
        }
        return new CohortDelta(1, cohort, mask, adopted.toArray(new String[0]), first, lsn);
    }

    private boolean isReturn(CleanEvent e) {
        return returnEvent == null || returnEvent.equals(e.eventName);
    }

    /** The distinct features an event is a use of. */
    private TreeSet<String> featuresOf(CleanEvent e) {
        TreeSet<String> out = new TreeSet<>();
        for (FeatureDefinition f : features) {
            if (f.eventName().equals(e.eventName)) {
                String name = f.byProperty() ? properties.get(e, f.property()) : e.eventName;
                if (name != null) {
                    out.add(name);
                }
            }
        }
        return out;
    }
}
