package io.sluice.bench;

import java.sql.Connection;
import java.time.Duration;
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
                pg, run.n + 1, 2 * run.n, 1_000, "clock_timestamp() - interval '1 minute'");
        run.sluice.put("write_rows_per_s", run.n / Ceilings.seconds(t0));
        String endLsn = BenchSql.queryString(pg, "SELECT pg_current_wal_lsn()::text");
        run.ceilings.put(
                "pgoutput_rows_per_s",
                Ceilings.pgRecvLogical(
                        run.servers, run.pgDb, "bench_ceiling", "bench_ceiling", endLsn, run.n));
        BenchSql.execute(pg, "SELECT pg_drop_replication_slot('bench_ceiling')");

        Resources r = Resources.start();
        StageCpu stages = StageCpu.start();
        t0 = System.nanoTime();
        JobID m =
                jobs.runner()
                        .submit(
                                "bench-mirror",
                                jobs.mirror(),
                                false,
                                null,
                                savepoints.mirror(),
                                run.work.resolve("cp-m"),
                                run.args.stateBackend());
        double s =
                JobRunner.awaitCount(
                        () -> Ceilings.count(run.servers, jobs.mirrorTable()),
                        2 * run.n,
                        t0,
                        Duration.ofMinutes(30));
        run.sluice.put("catchup_mirror_rows_per_s", run.n / s);
        run.cpu.put("catchup_mirror", stages.stop());
        run.sluice.put("catchup_mirror_cpu_seconds", r.cpuSeconds());
        jobs.runner().cancel(m);

        // The peer catches up on the same changes from its own slot.
        t0 = System.nanoTime();
        peer.start();
        s = peer.awaitCount(2 * run.n, t0);
        run.peer.put("catchup_rows_per_s", run.n / s);
        run.peer.put("catchup_cpu_seconds", peer.cpuSeconds());
        peer.stop();
        peer.dropSlot(pg);

        r = Resources.start();
        stages = StageCpu.start();
        t0 = System.nanoTime();
        JobID an =
                jobs.runner()
                        .submit(
                                "bench-analytics",
                                jobs.analytics(),
                                true,
                                null,
                                savepoints.analytics(),
                                run.work.resolve("cp-a"),
                                run.args.stateBackend());
        s =
                JobRunner.awaitCount(
                        () -> Ceilings.count(run.servers, jobs.analyticsTable()),
                        2 * run.n,
                        t0,
                        Duration.ofMinutes(30));
        run.sluice.put("catchup_analytics_rows_per_s", run.n / s);
        run.cpu.put("catchup_analytics", stages.stop());
        run.sluice.put("cpu_seconds_by_stage", run.cpu);
        run.sluice.put("catchup_analytics_cpu_seconds", r.cpuSeconds());
        run.sluice.put("catchup_analytics_peak_rss_mb", r.peakRssMb());
        Thread.sleep(2 * run.checkpointMs); // a checkpoint that covers every event
        long bytes = jobs.runner().latestCheckpointBytes(an);
        run.sluice.put("checkpoint_bytes", bytes);
        run.sluice.put("checkpoint_mb_per_million_events", bytes / 1e6 / (2.0 * run.n / 1e6));
        Bench.say("catch-up: %s", run.sluice);
        return an;
    }
}
