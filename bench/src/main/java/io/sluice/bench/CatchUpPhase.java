package io.sluice.bench;

import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.JobID;

/**
 * N more events are written while nothing runs; {@code pg_recvlogical} drains them through pgoutput
 * (the decode ceiling); each job is restored from its savepoint and catches up (rows/s).
 */
final class CatchUpPhase {
    private CatchUpPhase() {}

    /** Runs the phase; returns the analytics job, left running. */
    static JobID run(
            BenchRun run,
            BenchJobs jobs,
            Connection pg,
            SnapshotPhase.Savepoints savepoints,
            PeerRunner peer)
            throws Exception {
        // N changes while nothing runs; the pgoutput ceiling drains the same changes.
        BenchSql.execute(pg, "CREATE PUBLICATION bench_ceiling FOR TABLE events");
        BenchSql.execute(
                pg, "SELECT pg_create_logical_replication_slot('bench_ceiling', 'pgoutput')");
        long t0 = System.nanoTime();
        BenchSql.writeEvents(
                pg,
                run.n + 1,
                2 * run.n,
                1_000,
                "clock_timestamp() - interval '1 minute'",
                run.args.workload());
        run.sluice.put("write_rows_per_s", run.n / Ceilings.seconds(t0));
        String endLsn = BenchSql.queryString(pg, "SELECT pg_current_wal_lsn()::text");
        run.ceilings.put(
                "pgoutput_rows_per_s",
                Ceilings.pgRecvLogical(
                        run.servers, run.pgDb, "bench_ceiling", "bench_ceiling", endLsn, run.n));
        BenchSql.execute(pg, "SELECT pg_drop_replication_slot('bench_ceiling')");

        JobRunner runner = jobs.runner();
        Resources r = Resources.start();
        StageCpu stages = StageCpu.start();
        JobRunner.Timed m =
                runner.submitAndAwait(
                        run,
                        "bench-mirror",
                        jobs.mirror(),
                        false,
                        savepoints.mirror(),
                        "cp-m",
                        run.args.stateBackend(),
                        jobs.mirrorTable(),
                        2 * run.n);
        run.sluice.put("catchup_mirror_rows_per_s", run.n / m.seconds());
        run.cpu.put("catchup_mirror", stages.stop());
        run.sluice.put("catchup_mirror_cpu_seconds", r.cpuSeconds());
        runner.cancel(m.job());

        // The peer catches up on the same changes from its own slot.
        t0 = System.nanoTime();
        peer.start();
        double s = peer.awaitCount(2 * run.n, t0);
        run.peer.put("catchup_rows_per_s", run.n / s);
        run.peer.put("catchup_cpu_seconds", peer.cpuSeconds());
        peer.stop();
        peer.dropSlot(pg);

        // The analytics job on the other state backend catches up on the same changes, alone.
        var other = run.args.otherBackend();
        if (savepoints.analyticsOther() != null) {
            r = Resources.start();
            stages = StageCpu.start();
            JobRunner.Timed ao =
                    runner.submitAndAwait(
                            run,
                            "bench-analytics-" + other,
                            jobs.analyticsOther(),
                            true,
                            savepoints.analyticsOther(),
                            "cp-o",
                            other,
                            jobs.analyticsOtherTable(),
                            2 * run.n);
            run.otherBackend.put("catchup_analytics_rows_per_s", run.n / ao.seconds());
            run.cpu.put("catchup_analytics_" + other, stages.stop());
            run.otherBackend.put("catchup_analytics_cpu_seconds", r.cpuSeconds());
            run.otherBackend.put("catchup_analytics_peak_rss_mb", r.peakRssMb());
            checkpointSizes(run, runner, ao.job(), run.otherBackend);
            runner.cancel(ao.job());
        }

        r = Resources.start();
        stages = StageCpu.start();
        JobRunner.Timed an =
                runner.submitAndAwait(
                        run,
                        "bench-analytics",
                        jobs.analytics(),
                        true,
                        savepoints.analytics(),
                        "cp-a",
                        run.args.stateBackend(),
                        jobs.analyticsTable(),
                        2 * run.n);
        run.sluice.put("catchup_analytics_rows_per_s", run.n / an.seconds());
        run.cpu.put("catchup_analytics", stages.stop());
        run.sluice.put("cpu_seconds_by_stage", run.cpu);
        run.sluice.put("catchup_analytics_cpu_seconds", r.cpuSeconds());
        run.sluice.put("catchup_analytics_peak_rss_mb", r.peakRssMb());
        checkpointSizes(run, runner, an.job(), run.sluice);
        Bench.say("catch-up: %s; on %s: %s", run.sluice, other, run.otherBackend);
        return an.job();
    }

    /**
     * The size of the state (all of it, per million events) and what the latest checkpoint wrote
     * (all of it on the heap backend; the new files on RocksDB, whose checkpoints are incremental).
     */
    private static void checkpointSizes(
            BenchRun run, JobRunner runner, JobID job, Map<String, Object> figures)
            throws Exception {
        runner.awaitNextCheckpoint(job, Duration.ofMinutes(2));
        long bytes = runner.latestCheckpointBytes(job);
        figures.put("checkpoint_bytes", bytes);
        figures.put("checkpoint_mb_per_million_events", bytes / 1e6 / (2.0 * run.n / 1e6));
        figures.put("checkpoint_written_bytes", runner.latestCheckpointedBytes(job));
    }
}
