package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.ActiveUsersDailyRow;
import io.sluice.jobs.analytics.model.ActiveUsersDelta;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.VersionedCounts;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by UTC day (epoch day): sums the users' {@link ActiveUsersDelta}s into the day's DAU, WAU
 * and MAU and emits the row with the next version after each change. State is dropped once the
 * watermark passes the day's end plus the repair horizon.
 */
@Internal
public final class ActiveUsersDailyFunction
        extends KeyedProcessFunction<Long, ActiveUsersDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private final long horizonMs;
    private transient VersionedCounts state;

    public ActiveUsersDailyFunction(long horizonMs) {
        this.horizonMs = horizonMs;
    }

    @Override
    public void open(OpenContext openContext) {
        state = new VersionedCounts(getRuntimeContext(), "dau-wau-mau");
    }

    @Override
    public void processElement(ActiveUsersDelta d, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long[] c = state.add(new long[] {d.dau, d.wau, d.mau}, 1);
        long next = state.nextVersion(d.lsn);
        out.collect(new ActiveUsersDailyRow(d.day, c[0], c[1], c[2], next).encode());
        ctx.timerService()
                .registerEventTimeTimer(
                        CountRollupFunction.saturatedAdd(
                                (d.day + 1) * UserActivityFunction.DAY_MS, horizonMs));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out) {
        state.clear();
    }
}
