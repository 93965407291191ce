package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.Versions;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.FunnelDailyRow;
import io.sluice.jobs.analytics.model.FunnelDelta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
 * Keyed by a funnel's day ({@link FunnelDelta#key}): sums the users' best-attempt deltas into the
 * analytics.funnel_daily rows of the day, one per step: users, and the lower median of their
 * seconds from step 1 (exact: the multiset of times per step is kept). A delta of an attempt that
 * reached level L moves steps 1..L, and those rows are emitted again; the first delta of a day
 * emits every step of the funnel, so a step no one reached has a row with 0 users. All rows of one
 * delta share the next version of the key: above its last and not below the delta's LSN.
 *
 * <p>State: users per step, a count per (step, microseconds to step) for steps from 2 (step 1 is
 * always 0 s), and the version; dropped by an event-time timer at the end of the day plus the
 * funnel's window plus the horizon, after which no change can move the day's attempts (a change at
 * {@code t} moves the days up to {@code day(t)} from {@code day(t − window)}, and one behind the
 * watermark by more than the horizon is late).
 *
 * <p>Each delta re-reads the times of the steps it moves to find their medians: linear in the users
 * of the day that reached those steps.
 */
@Internal
public final class FunnelDailyFunction
        extends KeyedProcessFunction<String, FunnelDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private final Map<String, FunnelDefinition> funnels = new HashMap<>();
    private final long horizonMs;
    private final int mostSteps;
    private final long longestWindowMs;

    /** Users per step (index {@code s - 1}). */
    private transient ValueState<long[]> users;

    /** Index {@code s}: for step {@code s + 1}, the count per microseconds to the step. */
    private transient List<MapState<Long, Long>> times;

    private transient ValueState<Long> version;

    public FunnelDailyFunction(List<FunnelDefinition> funnels, long horizonMs) {
        int most = 0;
        long longest = 0;
        for (FunnelDefinition f : funnels) {
            this.funnels.put(f.name(), f);
            most = Math.max(most, f.steps().size());
            longest = Math.max(longest, f.window().toMillis());
        }
        this.horizonMs = horizonMs;
        this.mostSteps = most;
        this.longestWindowMs = longest;
    }

    @Override
    public void open(OpenContext openContext) {
        users =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "funnel-step-users",
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        times = new ArrayList<>();
        times.add(null); // step 1: always 0 s
        for (int s = 2; s <= mostSteps; s++) {
            times.add(
                    getRuntimeContext()
                            .getMapState(
                                    new MapStateDescriptor<>(
                                            "funnel-step-" + s + "-micros",
                                            Types.LONG,
                                            Types.LONG)));
        }
        version =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("funnel-version", Types.LONG));
    }

    @Override
    public void processElement(FunnelDelta d, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        FunnelDefinition funnel = funnels.get(d.funnel);
        int steps = Math.min(funnel == null ? d.level : funnel.steps().size(), mostSteps);
        long[] u = users.value();
        boolean first = u == null;
        if (first) {
            u = new long[steps];
        } else if (u.length < steps) {
            u = Arrays.copyOf(u, steps);
        }
        int level = Math.min(d.level, steps);
        for (int s = 1; s <= level; s++) {
            u[s - 1] += d.sign;
            if (s >= 2) {
                MapState<Long, Long> m = times.get(s - 1);
                long micros = d.microsToStep[s - 1];
                Long c = m.get(micros);
                long count = (c == null ? 0 : c) + d.sign;
                if (count == 0) {
                    m.remove(micros);
                } else {
                    m.put(micros, count);
                }
            }
        }
        users.update(u);
        Long last = version.value();
        long next = Versions.next(last == null ? Versions.NONE : last, d.lsn);
        version.update(next);
        for (int s = 1; s <= (first ? steps : level); s++) {
            long median = s == 1 ? 0 : lowerMedian(times.get(s - 1), u[s - 1]);
            out.collect(new FunnelDailyRow(d.funnel, d.day, s, u[s - 1], median, next).encode());
        }
        long windowMs = funnel == null ? longestWindowMs : funnel.window().toMillis();
        ctx.timerService()
                .registerEventTimeTimer(
                        CountRollupFunction.saturatedAdd(
                                CountRollupFunction.saturatedAdd(
                                        (d.day + 1) * FunnelFunction.DAY_MS, windowMs + 1),
                                horizonMs));
    }

    /** The value at 1-based position ⌈n/2⌉ of the sorted multiset; 0 when it is empty. */
    static long lowerMedian(MapState<Long, Long> counts, long n) throws Exception {
        if (n <= 0) {
            return 0;
        }
        List<long[]> sorted = new ArrayList<>();
        for (Map.Entry<Long, Long> e : counts.entries()) {
            sorted.add(new long[] {e.getKey(), e.getValue()});
        }
        sorted.sort((a, b) -> Long.compare(a[0], b[0]));
        long position = (n + 1) / 2;
        long seen = 0;
        for (long[] e : sorted) {
            seen += e[1];
            if (seen >= position) {
                return e[0];
            }
        }
        throw new IllegalStateException(n + " users but only " + seen + " times in state");
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out) {
        users.clear();
        for (int s = 2; s <= mostSteps; s++) {
            times.get(s - 1).clear();
        }
        version.clear();
    }
}
