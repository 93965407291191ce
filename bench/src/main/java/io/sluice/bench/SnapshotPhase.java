package io.sluice.bench;

/**
 * Each job snapshots the events (rows/s until ClickHouse holds them) and is stopped with a
 * savepoint; the peer snapshots them after the mirror, and is stopped.
 */
final class SnapshotPhase {
    private SnapshotPhase() {}

    /** The savepoints the jobs were stopped with. */
    record Savepoints(String mirror, String analytics, String analyticsOther) {}

    static Savepoints run(BenchRun run, BenchJobs jobs, PeerRunner peer) throws Exception {
        JobRunner runner = jobs.runner();
        StageCpu stages = StageCpu.start();
        JobRunner.Timed m =
                runner.submitAndAwait(
                        run,
                        "bench-mirror",
                        jobs.mirror(),
                        false,
                        null,
                        "cp-m",
                        run.args.stateBackend(),
                        jobs.mirrorTable(),
                        run.n);
        run.sluice.put("snapshot_mirror_rows_per_s", run.n / m.seconds());
        run.cpu.put("snapshot_mirror", stages.stop());
        String mirrorSavepoint = runner.stopWithSavepoint(m.job(), jobs.mirror());

        // The peer snapshots the same table, alone on the machine as the mirror was.
        long t0 = System.nanoTime();
        peer.start();
        double s = peer.awaitCount(run.n, t0);
        run.peer.put("snapshot_rows_per_s", run.n / s);
        run.peer.put("snapshot_cpu_seconds", peer.cpuSeconds());
        peer.stop();

        stages = StageCpu.start();
        JobRunner.Timed an =
                runner.submitAndAwait(
                        run,
                        "bench-analytics",
                        jobs.analytics(),
                        true,
                        null,
                        "cp-a",
                        run.args.stateBackend(),
                        jobs.analyticsTable(),
                        run.n);
        run.sluice.put("snapshot_analytics_rows_per_s", run.n / an.seconds());
        run.cpu.put("snapshot_analytics", stages.stop());
        String analyticsSavepoint = runner.stopWithSavepoint(an.job(), jobs.analytics());

        if (!run.args.compareBackends()) {
            Bench.say("snapshots: %s", run.sluice);
            return new Savepoints(mirrorSavepoint, analyticsSavepoint, null);
        }
        // The analytics job on the other state backend, on the same rows.
        var other = run.args.otherBackend();
        stages = StageCpu.start();
        JobRunner.Timed ao =
                runner.submitAndAwait(
                        run,
                        "bench-analytics-" + other,
                        jobs.analyticsOther(),
                        true,
                        null,
                        "cp-o",
                        other,
                        jobs.analyticsOtherTable(),
                        run.n);
        run.otherBackend.put("snapshot_analytics_rows_per_s", run.n / ao.seconds());
        run.cpu.put("snapshot_analytics_" + other, stages.stop());
        String otherSavepoint = runner.stopWithSavepoint(ao.job(), jobs.analyticsOther());
        Bench.say("snapshots: %s; on %s: %s", run.sluice, other, run.otherBackend);
        return new Savepoints(mirrorSavepoint, analyticsSavepoint, otherSavepoint);
    }
}
