package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FeatureDefinition;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/** UserCohortFunction as it was before cohorts by signup, to show first-event mode is unchanged. */
final class LegacyUserCohortFunction extends KeyedProcessFunction<String, EventDelta, EventDelta> {
    private static final long serialVersionUID = 1L;

    /** The users' changes of contribution, for {@link CohortWeeklyFunction} keyed by cohort. */
    public static final OutputTag<CohortDelta> COHORTS =
            new OutputTag<>("cohorts", TypeInformation.of(CohortDelta.class));

    private final String returnEvent;
    private final List<FeatureDefinition> features;
    private final EventProperties properties;

    /** Week → {events, return events} of the user. */
    private transient MapState<Long, long[]> weeks;

    /** {@code "<week> <feature>"} → uses of the feature in that week. */
    private transient MapState<String, Long> featureUses;

    /** The user's contribution last emitted with sign +1, or null. */
    private transient ValueState<CohortDelta> emitted;

    /**
     * @param returnEvent the event name that counts as a return, or null for any event
     * @param features the features to follow (none for retention alone)
     * @param properties reads the property values of property features
     */
    LegacyUserCohortFunction(
            String returnEvent, List<FeatureDefinition> features, EventProperties properties) {
        this.returnEvent = returnEvent;
        this.features = List.copyOf(features);
        this.properties = Objects.requireNonNull(properties);
    }

    @Override
    public void open(OpenContext openContext) {
        weeks =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "cohort-weeks",
                                        Types.LONG,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        featureUses =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "feature-week-uses", Types.STRING, Types.LONG));
        emitted =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "cohort-contribution",
                                        TypeInformation.of(CohortDelta.class)));
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<EventDelta> out)
            throws Exception {
        out.collect(delta);
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
            emitIfChanged(delta.lsn, ctx);
        }
    }

    private void emitIfChanged(long lsn, Context ctx) throws Exception {
        CohortDelta now = contribution(lsn);
        CohortDelta last = emitted.value();
        if (last == null ? now == null : last.sameContribution(now)) {
            return;
        }
        if (last != null) {
            ctx.output(COHORTS, last.withSign(-1, lsn));
        }
        if (now == null) {
            // No events left: the user is in no cohort, and keeps nothing.
            emitted.clear();
            weeks.clear();
            featureUses.clear();
        } else {
            ctx.output(COHORTS, now);
            emitted.update(now);
        }
    }

    /** The user's contribution as the state now holds it (sign +1), or null without events. */
    private CohortDelta contribution(long lsn) throws Exception {
        Map<Long, long[]> byWeek = new HashMap<>();
        long cohort = Long.MAX_VALUE;
        for (Map.Entry<Long, long[]> w : weeks.entries()) {
            byWeek.put(w.getKey(), w.getValue());
            if (w.getValue()[0] > 0) {
                cohort = Math.min(cohort, w.getKey());
            }
        }
        if (cohort == Long.MAX_VALUE) {
            return null;
        }
        int mask = 0;
        for (int n = 0; n < CohortDelta.WEEKS; n++) {
            long[] c = byWeek.get(cohort + 7L * n);
            if (c != null && c[1] > 0) {
                mask |= 1 << n;
            }
        }
        TreeMap<String, Long> firstUse = new TreeMap<>();
        for (Map.Entry<String, Long> u : featureUses.entries()) {
            if (u.getValue() > 0) {
                String key = u.getKey();
                int space = key.indexOf(' ');
                long week = Long.parseLong(key.substring(0, space));
                firstUse.merge(key.substring(space + 1), week, Math::min);
            }
        }
        List<String> adopted = new ArrayList<>();
        List<Integer> weekN = new ArrayList<>();
        for (Map.Entry<String, Long> f : firstUse.entrySet()) {
            long n = Math.floorDiv(f.getValue() - cohort, 7L);
            if (n >= 0 && n < CohortDelta.WEEKS) { // a use is an event: never before the cohort
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
