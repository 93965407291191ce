package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.VersionedCounts;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by a rollup row's key ({@link RollupSpec#key}): sums the deltas of the events in it and
 * emits the row again, with the next version, after every change, so a correction or an event
 * within the repair horizon re-emits a corrected row. The sink keeps the newest row per key between
 * checkpoints. State: the counts and the version, dropped by an event-time timer once the watermark
 * passes the window's end plus the repair horizon (no later change can reach it: such a change is
 * late, and never leaves {@link CleanAndDedupeFunction}).
 */
@Internal
public final class CountRollupFunction
        extends KeyedProcessFunction<String, EventDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private final RollupSpec spec;
    private final long horizonMs;
    private final long versionBase;

    private transient VersionedCounts state;

    public CountRollupFunction(RollupSpec spec, long horizonMs) {
        this(spec, horizonMs, 0);
    }

    /** A rollup whose rows start above {@code versionBase} (the backfill's). */
    public CountRollupFunction(RollupSpec spec, long horizonMs, long versionBase) {
        this.spec = spec;
        this.horizonMs = horizonMs;
        this.versionBase = versionBase;
    }

    @Override
    public void open(OpenContext openContext) {
        state = new VersionedCounts(getRuntimeContext(), "counts", versionBase);
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        if (!spec.accepts(delta.event)) {
            return; // not filtered upstream when there is no combiner (a backfill)
        }
        long[] counts = state.add(spec.increments(delta.event), delta.sign);
        out.collect(spec.row(delta.event, counts, state.nextVersion(delta.lsn)));
        ctx.timerService()
                .registerEventTimeTimer(saturatedAdd(spec.windowEndMs(delta.event), horizonMs));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out) {
        state.clear();
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}
