package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.Versions;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.LatencyRow;
import java.util.Arrays;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by window and endpoint ({@link LatencySpec#key}): the multiset of the window's request
 * latencies, so percentiles stay exact through corrections and deletes. Each delta adds or takes
 * back its latency (a pre-aggregated delta: {@code sign} times), and the row is written again with
 * the count, the 50th, 95th and 99th percentile and the largest latency.
 *
 * <p>Percentiles are nearest rank, as Postgres' {@code percentile_disc(p)}: the value at position
 * {@code ceil(p × n)} of the sorted latencies (computed in doubles, as Postgres does). Rows carry
 * {@link Versions#next} of the key's last version and the delta's LSN.
 *
 * <p>State: the distinct latencies of live requests in order and their counts, and the version;
 * dropped by an event timer once the watermark passes the window's end plus the repair horizon (no
 * later change can reach it).
 */
@Internal
public final class LatencyFunction extends KeyedProcessFunction<String, EventDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;
    private static final double[] PERCENTILES = {0.5, 0.95, 0.99};

    private final LatencySpec spec;
    private final long horizonMs;
    private final long versionBase;

    private transient ValueState<double[]> values;
    private transient ValueState<long[]> counts;
    private transient ValueState<Long> version;

    public LatencyFunction(LatencySpec spec, long horizonMs, long versionBase) {
        this.spec = spec;
        this.horizonMs = horizonMs;
        this.versionBase = versionBase;
    }

    @Override
    public void open(OpenContext openContext) {
        values =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "latencies",
                                        PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        counts =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "latency-counts",
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("version", Types.LONG));
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        if (!spec.accepts(delta.event)) {
            return;
        }
        double latency = spec.latency(delta.event);
        double[] v = values.value();
        long[] c = counts.value();
        if (v == null) {
            v = new double[0];
            c = new long[0];
        }
        int i = Arrays.binarySearch(v, latency);
        if (i < 0) {
            i = -i - 1;
            v = insert(v, i, latency);
            c = insert(c, i);
        }
        c[i] += delta.sign;
        if (c[i] == 0) { // a latency no live request has any more leaves the state
            v = remove(v, i);
            c = remove(c, i);
        }
        values.update(v);
        counts.update(c);
        Long last = version.value();
        long next = Versions.next(last == null ? versionBase : last, delta.lsn);
        version.update(next);
        out.collect(row(delta, v, c, next));
        ctx.timerService()
                .registerEventTimeTimer(
                        CountRollupFunction.saturatedAdd(spec.windowEndMs(delta.event), horizonMs));
    }

    private AnalyticsRow row(EventDelta delta, double[] v, long[] c, long rowVersion) {
        long n = 0;
        double max = 0;
        for (int k = 0; k < c.length; k++) {
            n += c[k];
            if (c[k] > 0) {
                max = v[k];
            }
        }
        double[] p = new double[PERCENTILES.length];
        for (int q = 0; q < PERCENTILES.length && n > 0; q++) {
            long rank = (long) Math.ceil(PERCENTILES[q] * n);
            long cumulative = 0;
            for (int k = 0; k < c.length; k++) {
                cumulative += Math.max(0, c[k]);
                if (cumulative >= rank) {
                    p[q] = v[k];
                    break;
                }
            }
        }
        return new LatencyRow(
                        spec.table,
                        spec.start(delta.event),
                        spec.endpoint(delta.event),
                        n,
                        p[0],
                        p[1],
                        p[2],
                        max,
                        rowVersion)
                .encode();
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out) {
        values.clear();
        counts.clear();
        version.clear();
    }

    private static double[] insert(double[] a, int at, double value) {
        double[] r = new double[a.length + 1];
        System.arraycopy(a, 0, r, 0, at);
        r[at] = value;
        System.arraycopy(a, at, r, at + 1, a.length - at);
        return r;
    }

    private static double[] remove(double[] a, int at) {
        double[] r = new double[a.length - 1];
        System.arraycopy(a, 0, r, 0, at);
        System.arraycopy(a, at + 1, r, at, a.length - at - 1);
        return r;
    }

    private static long[] remove(long[] a, int at) {
        long[] r = new long[a.length - 1];
        System.arraycopy(a, 0, r, 0, at);
        System.arraycopy(a, at + 1, r, at, a.length - at - 1);
        return r;
    }

    private static long[] insert(long[] a, int at) {
        long[] r = new long[a.length + 1];
        System.arraycopy(a, 0, r, 0, at);
        System.arraycopy(a, at, r, at + 1, a.length - at);
        return r;
    }
}
