package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.Versions;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.FeatureAdoptionWeeklyRow;
import io.sluice.jobs.analytics.model.RetentionWeeklyRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by cohort week (the epoch day of its Monday): sums the users' {@link CohortDelta}s into the
 * cohort's rows of analytics.retention_weekly and analytics.feature_adoption_weekly (definitions in
 * {@link UserCohortFunction}): {@code cohort_users}, {@code retained_users} of weeks 0..12, and per
 * feature {@code adopters} of weeks 0..12.
 *
 * <p>A user joining a cohort changes {@code cohort_users} of all of the cohort's rows, so changes
 * are pre-aggregated: a change marks the key dirty, and a dirty key emits at the next whole second
 * of processing time, or at the end of a bounded input (an event-time timer at {@code
 * Long.MAX_VALUE}, since processing-time timers are dropped there), whichever comes first: at most
 * once a second. An emission writes the rows whose values differ from the ones it wrote last (all
 * of them when {@code cohort_users} changed), all with the key's next version: {@link
 * Versions#next} of its last version and the highest LSN among the changes since the last emission.
 * A cohort, and a cohort's feature, keeps its rows once written: with zeros when its users (or
 * adopters) are gone.
 *
 * <p>State, kept for good (no change is ever too old for a cohort while its users' first events may
 * still be deleted): per cohort 14 counts, per feature 13, the values last written, the version,
 * and the highest pending LSN.
 */
@Internal
public final class CohortWeeklyFunction
        extends KeyedProcessFunction<Long, CohortDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private static final int N = CohortDelta.WEEKS;

    /** {cohort_users, retained_users of week 0, ..., of week 12}. */
    private transient ValueState<long[]> retention;

    private transient ValueState<long[]> writtenRetention;

    /** Feature → adopters of weeks 0..12. */
    private transient MapState<String, long[]> adopters;

    private transient MapState<String, long[]> writtenAdopters;
    private transient ValueState<Long> version;

    /** The highest LSN among the changes not yet emitted; set while the key is dirty. */
    private transient ValueState<Long> pendingLsn;

    @Override
    public void open(OpenContext openContext) {
        retention = longs("retention");
        writtenRetention = longs("written-retention");
        adopters = longsByFeature("adopters");
        writtenAdopters = longsByFeature("written-adopters");
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("version", Types.LONG));
        pendingLsn =
                getRuntimeContext().getState(new ValueStateDescriptor<>("pending-lsn", Types.LONG));
    }

    private ValueState<long[]> longs(String name) {
        return getRuntimeContext()
                .getState(
                        new ValueStateDescriptor<>(
                                name, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    private MapState<String, long[]> longsByFeature(String name) {
        return getRuntimeContext()
                .getMapState(
                        new MapStateDescriptor<>(
                                name,
                                Types.STRING,
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(CohortDelta d, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long[] r = retention.value();
        if (r == null) {
            r = new long[N + 1];
        }
        r[0] += d.sign;
        for (int n = 0; n < N; n++) {
            if ((d.retainedMask & (1 << n)) != 0) {
                r[1 + n] += d.sign;
            }
        }
        retention.update(r);
        for (int i = 0; i < d.features.length; i++) {
            long[] a = adopters.get(d.features[i]);
            if (a == null) {
                a = new long[N];
            }
            for (int n = d.firstUseWeekN[i]; n < N; n++) {
                a[n] += d.sign;
            }
            adopters.put(d.features[i], a);
        }
        Long pending = pendingLsn.value();
        if (pending == null) {
            long now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer(SessionTimers.nextSecond(now));
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
        }
        pendingLsn.update(pending == null ? d.lsn : Math.max(pending, d.lsn));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out)
            throws Exception {
        Long pending = pendingLsn.value();
        if (pending != null) {
            emitChanges(ctx.getCurrentKey(), pending, out);
        }
    }

    /** Writes the rows whose values changed since the last emission, with the next version. */
    private void emitChanges(long cohortWeek, long lsn, Collector<AnalyticsRow> out)
            throws Exception {
        pendingLsn.clear();
        long[] r = retention.value();
        long[] written = writtenRetention.value();
        boolean usersChanged = written == null || written[0] != r[0];
        List<Integer> retentionRows = new ArrayList<>();
        for (int n = 0; n < N; n++) {
            if (usersChanged || written[1 + n] != r[1 + n]) {
                retentionRows.add(n);
            }
        }
        List<Map.Entry<String, long[]>> featureRows = new ArrayList<>();
        List<int[]> featureWeeks = new ArrayList<>();
        for (Map.Entry<String, long[]> f : adopters.entries()) {
            long[] a = f.getValue();
            long[] w = usersChanged ? null : writtenAdopters.get(f.getKey());
            List<Integer> weeks = new ArrayList<>();
            for (int n = 0; n < N; n++) {
                if (w == null || w[n] != a[n]) {
                    weeks.add(n);
                }
            }
            if (!weeks.isEmpty()) {
                featureRows.add(Map.entry(f.getKey(), a.clone()));
                featureWeeks.add(weeks.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        if (retentionRows.isEmpty() && featureRows.isEmpty()) {
            return; // the changes cancelled out
        }
        Long last = version.value();
        long next = Versions.next(last == null ? Versions.NONE : last, lsn);
        version.update(next);
        for (int n : retentionRows) {
            out.collect(new RetentionWeeklyRow(cohortWeek, n, r[0], r[1 + n], next).encode());
        }
        writtenRetention.update(r.clone());
        for (int i = 0; i < featureRows.size(); i++) {
            String feature = featureRows.get(i).getKey();
            long[] a = featureRows.get(i).getValue();
            for (int n : featureWeeks.get(i)) {
                out.collect(
                        new FeatureAdoptionWeeklyRow(cohortWeek, feature, n, r[0], a[n], next)
                                .encode());
            }
            writtenAdopters.put(feature, a);
        }
    }
}
