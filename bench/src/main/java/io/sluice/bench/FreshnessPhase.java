package io.sluice.bench;

import io.sluice.common.config.AnalyticsOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobID;

/**
 * The running analytics job takes a steady load of R events/s: the delay from each commit to its
 * visibility in analytics.events (p50/p95/p99, and a chart over time).
 */
final class FreshnessPhase {
    private FreshnessPhase() {}

    /** Runs the phase on the running analytics job, which it then cancels. */
    static void run(BenchRun run, BenchJobs jobs, JobID analytics) throws Exception {
        // Freshness at a steady rate, on the running analytics job.
        Resources r = Resources.start();
        long startMs = System.currentTimeMillis();
        Freshness.Result f =
                Freshness.measure(
                        run.servers,
                        run.pgDb,
                        jobs.analytics().get(AnalyticsOptions.DATABASE),
                        run.args.rate(),
                        run.args.freshnessSeconds());
        long p50 = Freshness.percentile(f.samples(), 0.50);
        long p95 = Freshness.percentile(f.samples(), 0.95);
        long p99 = Freshness.percentile(f.samples(), 0.99);
        Map<String, Object> fresh = new LinkedHashMap<>();
        fresh.put("rate_requested_per_s", run.args.rate());
        fresh.put("rate_written_per_s", f.writtenPerSecond());
        fresh.put("seconds", run.args.freshnessSeconds());
        fresh.put("checkpoint_interval_ms", run.checkpointMs);
        fresh.put("batches", f.samples().size());
        fresh.put("p50_ms", p50);
        fresh.put("p95_ms", p95);
        fresh.put("p99_ms", p99);
        fresh.put("max_ms", Freshness.percentile(f.samples(), 1.0));
        fresh.put("cpu_seconds", r.cpuSeconds());
        fresh.put("peak_rss_mb", r.peakRssMb());
        fresh.put("poll_interval_ms", 100);
        // The same batches in events_per_minute, read as a dashboard reads it (FINAL): rollup
        // rows become visible when the checkpoint that covers them completes.
        fresh.put("rollup_batches", f.rollupSamples().size());
        fresh.put("rollup_p50_ms", Freshness.percentile(f.rollupSamples(), 0.50));
        fresh.put("rollup_p95_ms", Freshness.percentile(f.rollupSamples(), 0.95));
        fresh.put("rollup_p99_ms", Freshness.percentile(f.rollupSamples(), 0.99));
        // What bounds the rollups' delay: the checkpoints of the phase, trigger to completion.
        List<Long> durations = jobs.runner().checkpointDurationsSince(analytics, startMs);
        if (!durations.isEmpty()) {
            List<Long> sorted = new ArrayList<>(durations);
            Collections.sort(sorted);
            fresh.put("checkpoints_seen", sorted.size());
            fresh.put("checkpoint_duration_p50_ms", sorted.get(sorted.size() / 2));
            fresh.put("checkpoint_duration_max_ms", sorted.get(sorted.size() - 1));
        }
        run.sluice.put("freshness", fresh);
        jobs.runner().cancel(analytics);
        Report.writeChart(
                run.args.out().resolve("freshness.png"),
                f.samples(),
                p50,
                p99,
                String.format(
                        Locale.ROOT,
                        "%,.0f events/s for %d s, checkpoint every %d ms, %s state, parallelism %d: p50 %d ms, p95 %d ms, p99 %d ms",
                        f.writtenPerSecond(),
                        run.args.freshnessSeconds(),
                        run.checkpointMs,
                        run.args.stateBackend(),
                        run.args.parallelism(),
                        p50,
                        p95,
                        p99));
    }
}
