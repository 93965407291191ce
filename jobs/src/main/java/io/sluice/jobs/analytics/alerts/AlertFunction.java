package io.sluice.jobs.analytics.alerts;

import io.sluice.common.change.Versions;
import io.sluice.jobs.analytics.model.AlertRow;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keyed by rule and alert key: evaluates the rule at the end of every bucket once the watermark
 * passes it, and writes a row of analytics.alerts where the condition changes from the bucket
 * before: {@code firing} when it starts holding, {@code resolved} when it stops.
 *
 * <p>The transitions are a function of the buckets alone, never of arrival order or the wall clock:
 * a bucket that a correction changes within the repair horizon re-derives every point whose window
 * holds it (those the watermark passed at once, the others when it does), and rewrites, or deletes,
 * the transitions there. Replays rewrite the same rows. A point {@code t} reads the buckets in
 * {@code [t − (window + 1) × bucket, t)}, so only the {@code window + 1} points after a bucket can
 * change with it: each row of a bucket registers those as event-time timers, and a new bucket a
 * cleanup timer that drops it (and the transitions of those points) once no change can reach them.
 *
 * <p>State per key: the buckets (counts and row version) and the transitions written (state, value,
 * version; a deleted one stays as a tombstone so its version keeps growing).
 */
@Internal
public final class AlertFunction extends KeyedProcessFunction<String, AlertInput, AnalyticsRow> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlertFunction.class);

    private static final int NONE = 0;
    private static final int FIRING = 1;
    private static final int RESOLVED = 2;

    private final Map<String, AlertRule> rules = new HashMap<>();
    private final long horizonMs;
    private final long versionFloor;

    private transient MapState<Long, long[]> buckets;
    private transient MapState<Long, long[]> transitions;
    private transient Counter fired;
    private transient Counter resolved;
    private transient Counter withdrawn;

    public AlertFunction(List<AlertRule> rules, long horizonMs) {
        this(rules, horizonMs, Versions.NONE);
    }

    /**
     * With every row written at {@code versionFloor} or above: a backfill's, above the rows it
     * deletes first ({@link io.sluice.jobs.analytics.backfill.BackfillAlerts}).
     */
    public AlertFunction(List<AlertRule> rules, long horizonMs, long versionFloor) {
        for (AlertRule r : rules) {
            this.rules.put(r.rule.toString(), r);
        }
        this.horizonMs = horizonMs;
        this.versionFloor = versionFloor;
    }

    @Override
    public void open(OpenContext openContext) {
        buckets =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "buckets",
                                        Types.LONG,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        transitions =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "transitions",
                                        Types.LONG,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        fired = getRuntimeContext().getMetricGroup().counter("alertsFiring");
        resolved = getRuntimeContext().getMetricGroup().counter("alertsResolved");
        withdrawn = getRuntimeContext().getMetricGroup().counter("alertsWithdrawn");
    }

    @Override
    public void processElement(AlertInput in, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        AlertRule rule = rules.get(in.rule);
        if (rule == null) {
            return; // a rule switched off since this input's rollup row
        }
        long m = in.bucketStartMs;
        long[] old = buckets.get(m);
        if (old != null && old[old.length - 1] >= in.version) {
            return; // an older row of the bucket, arriving after a newer one
        }
        long[] stored = Arrays.copyOf(in.counts, in.counts.length + 1);
        stored[in.counts.length] = in.version;
        buckets.put(m, stored);
        long b = rule.bucketMs;
        long last = m + (rule.window + 1) * b;
        // The points the bucket reaches that the watermark passed (a correction) are derived
        // now: no later watermark may come (a quiet stream). Every point also gets a timer, for
        // those ahead of the watermark and for a restore, whose watermark starts from nothing
        // until the next one (a timer at or below the watermark fires with the next one).
        long watermark = ctx.timerService().currentWatermark();
        for (long t = m + b; t <= last; t += b) {
            ctx.timerService().registerEventTimeTimer(t);
            if (t <= watermark) {
                derive(rule, ctx.getCurrentKey(), t, out);
            }
        }
        if (old == null) {
            ctx.timerService().registerEventTimeTimer(cleanupTime(last));
        }
    }

    /** Cleanup timers sit 1 ms past a horizon after the last point: never on a bucket boundary. */
    private long cleanupTime(long lastPoint) {
        long r = lastPoint + horizonMs;
        return (r < lastPoint ? Long.MAX_VALUE - 1 : r) + 1;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out)
            throws Exception {
        String key = ctx.getCurrentKey();
        AlertRule rule = rules.get(key.substring(0, key.indexOf('\u0000')));
        if (rule == null) {
            return;
        }
        long b = rule.bucketMs;
        if (Math.floorMod(timestamp, b) == 0) {
            derive(rule, key, timestamp, out);
            return;
        }
        // Cleanup: the bucket whose last point lies a horizon before, and those points: no
        // change can reach them any more (it would be late, and stop before the rollups).
        long last = timestamp - 1 - horizonMs;
        long m = last - (rule.window + 1) * b;
        buckets.remove(m);
        for (long t = m + b; t <= last; t += b) {
            transitions.remove(t);
        }
    }

    /** Re-derives the transition at point {@code t}, writing a row where it differs. */
    private void derive(AlertRule rule, String key, long t, Collector<AnalyticsRow> out)
            throws Exception {
        int w = rule.window;
        long b = rule.bucketMs;
        long[][] span = new long[w + 1][]; // [t − (w+1)b, t): the window before t, and t's
        long cause = versionFloor;
        for (int i = 0; i <= w; i++) {
            long[] bucket = buckets.get(t - (w + 1 - i) * b);
            span[i] = bucket;
            if (bucket != null) {
                cause = Math.max(cause, bucket[bucket.length - 1]);
            }
        }
        long[][] now = Arrays.copyOfRange(span, 1, w + 1);
        long[][] before = Arrays.copyOfRange(span, 0, w);
        boolean holds = rule.holds(now);
        int desired = holds == rule.holds(before) ? NONE : holds ? FIRING : RESOLVED;
        double value = rule.value(now);
        long[] written = transitions.get(t);
        int state = written == null ? NONE : (int) written[0];
        if (desired == state && (desired == NONE || Double.doubleToLongBits(value) == written[1])) {
            return;
        }
        long version = Versions.next(written == null ? Versions.NONE : written[2], cause);
        String alertKey = key.substring(key.indexOf('\u0000') + 1);
        String ruleName = rule.rule.toString();
        if (desired == NONE) {
            double was = Double.longBitsToDouble(written[1]);
            out.collect(
                    new AlertRow(
                                    ruleName,
                                    alertKey,
                                    t,
                                    state == FIRING,
                                    was,
                                    rule.threshold,
                                    version,
                                    true)
                            .encode());
            transitions.put(t, new long[] {NONE, written[1], version});
            withdrawn.inc();
            LOG.info(
                    "Alert {} [{}] at {}: a correction took back its {} transition",
                    ruleName,
                    alertKey,
                    java.time.Instant.ofEpochMilli(t),
                    state == FIRING ? AlertRow.FIRING : AlertRow.RESOLVED);
            return;
        }
        out.collect(
                new AlertRow(
                                ruleName,
                                alertKey,
                                t,
                                desired == FIRING,
                                value,
                                rule.threshold,
                                version,
                                false)
                        .encode());
        transitions.put(t, new long[] {desired, Double.doubleToLongBits(value), version});
        if (desired != state) {
            (desired == FIRING ? fired : resolved).inc();
            LOG.info(
                    "Alert {} [{}] {} at {}: value {} (threshold {})",
                    ruleName,
                    alertKey,
                    desired == FIRING ? AlertRow.FIRING : AlertRow.RESOLVED,
                    java.time.Instant.ofEpochMilli(t),
                    value,
                    rule.threshold);
        }
    }
}
