package io.sluice.bench;

import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.analytics.AnalyticsJob;
import io.sluice.jobs.mirror.MirrorJob;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.Resync;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The Sluice jobs on one in-process MiniCluster (one TaskManager), as `./sluice run` runs them. */
final class JobRunner implements AutoCloseable {
    private final MiniCluster cluster;
    private final Path savepoints;

    JobRunner(Path work, int slots) throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        // Every checkpoint's statistics of a phase (Flink keeps 10 by default).
        conf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 10_000);
        experiments(conf);
        this.cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(slots)
                                .build());
        cluster.start();
        this.savepoints = work.resolve("savepoints");
    }

    /**
     * State backend experiments: {@code -Dstate.*} in {@code JAVA_TOOL_OPTIONS} reach the cluster
     * (TaskManager-level keys such as the changelog storage) and every job (benchmark.md).
     */
    private static void experiments(Configuration conf) {
        System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("state.") || k.startsWith("dstl."))
                .forEach(k -> conf.setString(k, System.getProperty(k)));
    }

    /** Submits the analytics job (or the mirror alone), restoring {@code savepoint} if given. */
    JobID submit(
            String name,
            SluiceConfig config,
            boolean analytics,
            PiiHasher hasher,
            String savepoint,
            Path checkpoints,
            JobOptions.StateBackend stateBackend)
            throws Exception {
        Configuration state =
                JobEnvironment.stateConfiguration(
                        stateBackend,
                        config.get(JobOptions.ROCKSDB_WRITE_BUFFER_SIZE),
                        checkpoints.toUri().toString());
        experiments(state);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(state);
        JobEnvironment.configure(env, config);
        if (analytics) {
            AnalyticsJob.build(
                    env,
                    config,
                    MirrorSource.create(config, Resync.anchor(config, "bench")),
                    hasher);
        } else {
            MirrorJob.build(
                    env,
                    config,
                    MirrorSource.create(config, Resync.anchor(config, "bench")),
                    hasher);
        }
        JobGraph graph = env.getStreamGraph().getJobGraph();
        if (savepoint != null) {
            // The changelog backend cannot restore in NO_CLAIM mode (the default): the first
            // checkpoint would have to be a full one. The bench owns its savepoints: claim them.
            graph.setSavepointRestoreSettings(
                    SavepointRestoreSettings.forPath(
                            savepoint,
                            false,
                            Boolean.parseBoolean(System.getProperty("state.changelog.enabled"))
                                    ? org.apache.flink.core.execution.RestoreMode.CLAIM
                                    : org.apache.flink.core.execution.RestoreMode.NO_CLAIM));
        }
        cluster.submitJob(graph).get();
        return graph.getJobID();
    }

    /** A job that was submitted, and the seconds until its table held the rows awaited. */
    record Timed(JobID job, double seconds) {}

    /**
     * Submits a Sluice job without a PII hasher (as {@link #submit}) and waits until {@code table}
     * holds {@code rows} rows (30 min at most): the seconds from submission.
     */
    Timed submitAndAwait(
            BenchRun run,
            String name,
            SluiceConfig config,
            boolean analytics,
            String savepoint,
            String checkpoints,
            JobOptions.StateBackend backend,
            String table,
            long rows)
            throws Exception {
        long t0 = System.nanoTime();
        JobID job =
                submit(
                        name,
                        config,
                        analytics,
                        null,
                        savepoint,
                        run.work.resolve(checkpoints),
                        backend);
        double s =
                awaitCount(
                        () -> Ceilings.count(run.servers, table), rows, t0, Duration.ofMinutes(30));
        return new Timed(job, s);
    }

    /**
     * Stops the job with a savepoint and returns its path, once its CDC source has handed over from
     * the snapshot to the WAL stream (see {@link #awaitStreaming}).
     */
    String stopWithSavepoint(JobID job, SluiceConfig config) throws Exception {
        awaitStreaming(config, Duration.ofMinutes(2));
        return cluster.stopWithSavepoint(
                        job, savepoints.toUri().toString(), false, SavepointFormatType.CANONICAL)
                .get();
    }

    /**
     * Waits until the job's CDC source streams the WAL: its replication slot is in use.
     *
     * <p>Why before a stop: Flink CDC's enumerator hands the stream split to a reader when the
     * first checkpoint after the snapshot's last chunk completes. If that checkpoint is the stop's
     * own savepoint, the split goes out as the source tasks finish; Flink 1.20 then calls the event
     * lost ("An OperatorEvent from an OperatorCoordinator to a task was lost ... Task is not
     * running, but in state FINISHED") and fails the source task whenever the JobManager has not
     * yet heard that the task finished. That failover cancels the tasks still committing the
     * savepoint (the analytics sink's), and the stop ends in {@code
     * StopWithSavepointStoppingException}. Once the slot is active the split has been delivered and
     * the enumerator has nothing left to hand out.
     */
    static void awaitStreaming(SluiceConfig config, Duration timeout) throws Exception {
        String slot = config.get(PostgresSourceOptions.SLOT);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Connection pg =
                        DriverManager.getConnection(
                                config.postgresJdbcUrl(),
                                config.get(PostgresSourceOptions.USER),
                                config.get(PostgresSourceOptions.PASSWORD));
                PreparedStatement active =
                        pg.prepareStatement(
                                "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
            active.setString(1, slot);
            while (true) {
                try (ResultSet rs = active.executeQuery()) {
                    if (rs.next() && rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the CDC source did not start streaming (slot "
                                    + slot
                                    + " not active) within "
                                    + timeout);
                }
                Thread.sleep(100); // polling pg_replication_slots, with a deadline
            }
        }
    }

    void cancel(JobID job) throws Exception {
        cluster.cancelJob(job).get();
    }

    /**
     * Waits for a checkpoint of the job that starts after this call and completes, so that it
     * covers every row seen so far (at most {@code timeout}).
     */
    void awaitNextCheckpoint(JobID job, Duration timeout) throws Exception {
        long after = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
            CompletedCheckpointStats latest =
                    stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
            if (latest != null && latest.getTriggerTimestamp() > after) {
                return;
            }
            Thread.sleep(100); // polling the job's checkpoint statistics, with a deadline
        }
        throw new IllegalStateException("no checkpoint of " + job + " completed within " + timeout);
    }

    /**
     * End-to-end durations (trigger to completion, ms) of the job's completed checkpoints that were
     * triggered at or after {@code sinceMs}, oldest first. Rollup rows become visible when the
     * checkpoint that covers them completes, so these bound the rollups' freshness.
     */
    List<Long> checkpointDurationsSince(JobID job, long sinceMs) throws Exception {
        var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
        List<Long> out = new ArrayList<>();
        if (stats == null) {
            return out;
        }
        for (AbstractCheckpointStats c : stats.getHistory().getCheckpoints()) {
            if (c instanceof CompletedCheckpointStats done
                    && done.getTriggerTimestamp() >= sinceMs) {
                out.add(done.getEndToEndDuration());
            }
        }
        Collections.reverse(out); // the history lists the newest first
        return out;
    }

    /** The full size of the job's latest completed checkpoint, or -1. */
    long latestCheckpointBytes(JobID job) throws Exception {
        var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
        CompletedCheckpointStats latest =
                stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
        return latest == null ? -1 : latest.getStateSize();
    }

    /**
     * What the job's latest completed checkpoint wrote: all of it for the heap backend, the new
     * files only for RocksDB's incremental checkpoints; or -1.
     */
    long latestCheckpointedBytes(JobID job) throws Exception {
        var stats = cluster.getExecutionGraph(job).get().getCheckpointStatsSnapshot();
        CompletedCheckpointStats latest =
                stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
        return latest == null ? -1 : latest.getCheckpointedSize();
    }

    /** Waits until {@code count} reaches {@code target}; returns the seconds it took. */
    static double awaitCount(LongSupplier count, long target, long t0, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.getAsLong() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "only " + count.getAsLong() + " of " + target + " rows within " + timeout);
            }
            Thread.sleep(200); // polling ClickHouse, with a deadline
        }
        return Ceilings.seconds(t0);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
