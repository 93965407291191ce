package io.sluice.bench;

import java.time.Duration;
import org.apache.flink.api.common.JobID;

/**
 * Each job snapshots the events (rows/s until ClickHouse holds them) and is stopped with a
 * savepoint; the peer snapshots them after the mirror, and is stopped.
 */
final class SnapshotPhase {
    private SnapshotPhase() {}

    /** The savepoints the jobs were stopped with. */
    record Savepoints(String mirror, String analytics) {}

    static Savepoints run(BenchRun run, BenchJobs jobs, PeerRunner peer) throws Exception {
        StageCpu stages = StageCpu.start();
        long t0 = System.nanoTime();
        JobID m =
                jobs.runner()
                        .submit(
                                "bench-mirror",
                                jobs.mirror(),
                                false,
                                null,
                                null,
                                run.work.resolve("cp-m"),
                                run.args.stateBackend());
        double s =
                JobRunner.awaitCount(
                        () -> Ceilings.count(run.servers, jobs.mirrorTable()),
                        run.n,
                        t0,
                        Duration.ofMinutes(30));
        run.sluice.put("snapshot_mirror_rows_per_s", run.n / s);
        run.cpu.put("snapshot_mirror", stages.stop());
        String mirrorSavepoint = jobs.runner().stopWithSavepoint(m, jobs.mirror());

        // The peer snapshots the same table, alone on the machine as the mirror was.
        t0 = System.nanoTime();
        peer.start();
        s = peer.awaitCount(run.n, t0);
        run.peer.put("snapshot_rows_per_s", run.n / s);
        run.peer.put("snapshot_cpu_seconds", peer.cpuSeconds());
        peer.stop();

        stages = StageCpu.start();
        t0 = System.nanoTime();
        JobID an =
                jobs.runner()
                        .submit(
                                "bench-analytics",
                                jobs.analytics(),
                                true,
                                null,
                                null,
                                run.work.resolve("cp-a"),
                                run.args.stateBackend());
        s =
                JobRunner.awaitCount(
                        () -> Ceilings.count(run.servers, jobs.analyticsTable()),
                        run.n,
                        t0,
                        Duration.ofMinutes(30));
        run.sluice.put("snapshot_analytics_rows_per_s", run.n / s);
        run.cpu.put("snapshot_analytics", stages.stop());
        String analyticsSavepoint = jobs.runner().stopWithSavepoint(an, jobs.analytics());
        Bench.say("snapshots: %s", run.sluice);
        return new Savepoints(mirrorSavepoint, analyticsSavepoint);
    }
}
