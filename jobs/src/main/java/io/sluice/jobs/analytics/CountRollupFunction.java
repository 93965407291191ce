package io.sluice.jobs.analytics;

import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by a rollup row's key ({@link RollupSpec#key}): sums the deltas of the events in it and
 * emits the row again, with the next version, after every change, so a correction or an event
 * within the allowed lateness re-emits a corrected row. The sink keeps the newest row per key
 * between checkpoints. State: the counts and the version, dropped by an event-time timer once the
 * watermark passes the window's end plus the allowed lateness (no later change can reach it: such a
 * change is late, and never leaves {@link CleanAndDedupeFunction}).
 */
public final class CountRollupFunction
        extends KeyedProcessFunction<String, EventDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private final RollupSpec spec;
    private final long allowedLatenessMs;

    private transient ValueState<long[]> counts;
    private transient ValueState<Long> version;

    public CountRollupFunction(RollupSpec spec, long allowedLatenessMs) {
        this.spec = spec;
        this.allowedLatenessMs = allowedLatenessMs;
    }

    @Override
    public void open(Configuration parameters) {
        counts =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "counts",
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("version", Types.LONG));
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long[] increments = spec.increments(delta.event);
        long[] c = counts.value();
        if (c == null) {
            c = new long[increments.length];
        }
        for (int i = 0; i < c.length; i++) {
            c[i] += delta.sign * increments[i];
        }
        Long v = version.value();
        long next = v == null ? 1 : v + 1;
        counts.update(c);
        version.update(next);
        out.collect(spec.row(delta.event, c, next));
        ctx.timerService()
                .registerEventTimeTimer(
                        saturatedAdd(spec.windowEndMs(delta.event), allowedLatenessMs));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out) {
        counts.clear();
        version.clear();
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
