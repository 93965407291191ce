package io.sluice.jobs;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.demo.DemoRole;
import io.sluice.jobs.mirror.MirrorJob;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.Resync;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.apache.flink.cdc.connectors.base.relational.connection.JdbcConnectionPools;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the job integration tests share: the servers' settings and checkpoint waits. */
public final class JobTestSupport {
    private static final Logger LOG = LoggerFactory.getLogger(JobTestSupport.class);

    private JobTestSupport() {}

    /**
     * Restarts the job after every failure, {@code delay} apart: the fault-injection tests kill
     * TaskManagers and expect the job to come back. Set through {@link RestartStrategyOptions}, as
     * a cluster's configuration would (the {@code RestartStrategies} API is deprecated).
     */
    public static void restartForever(StreamExecutionEnvironment env, Duration delay) {
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restart.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, Integer.MAX_VALUE);
        restart.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, delay);
        env.configure(restart);
    }

    /** Fails the job on its first failure, so a test sees the cause instead of a restart loop. */
    public static void noRestart(StreamExecutionEnvironment env) {
        Configuration restart = new Configuration();
        restart.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        env.configure(restart);
    }

    /** A MiniCluster of one TaskManager with two slots, as the job tests run on. */
    public static MiniClusterExtension miniCluster() {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(2)
                        .build());
    }

    /**
     * The Postgres majors the version-matrix tests run on: 14 to 17, or those the system property
     * {@code sluice.test.postgres-majors} lists (e.g. {@code -Dsluice.test.postgres-majors=14}).
     */
    public static Stream<Integer> postgresMajors() {
        String majors = System.getProperty("sluice.test.postgres-majors", "14,15,16,17");
        return Arrays.stream(majors.split(",")).map(String::strip).map(Integer::valueOf);
    }

    /**
     * Logs which server version a matrix test ran on and how long it took, as one line {@code
     * ./sluice test} finds in the tests' output and prints at the end.
     */
    public static void reportRun(String test, String serverVersion, Duration took) {
        LOG.info("{} ran on Postgres {} in {} s", test, serverVersion, took.toSeconds());
    }

    /** A connection to a database of the test Postgres. */
    public static Connection postgres(TestServers servers, String database) throws SQLException {
        return DriverManager.getConnection(
                servers.postgres().jdbcUrl(database),
                servers.postgres().user(),
                servers.postgres().password());
    }

    /** A connection to a database of the test ClickHouse. */
    public static ClickHouseConnection clickHouse(TestServers servers, String database) {
        return new ClickHouseConnection(
                servers.clickhouse().url(),
                servers.clickhouse().user(),
                servers.clickhouse().password(),
                database);
    }

    /** Settings for a job over the test servers' databases, with 1 s checkpoints under tmp. */
    public static Map<String, Object> settings(
            TestServers servers, String pgDb, String chDb, List<String> tables, Path tmp) {
        Map<String, Object> values = new HashMap<>();
        values.put(PostgresSourceOptions.HOST.key(), servers.postgres().host());
        values.put(PostgresSourceOptions.PORT.key(), servers.postgres().port());
        values.put(PostgresSourceOptions.DATABASE.key(), pgDb);
        values.put(PostgresSourceOptions.USER.key(), servers.postgres().user());
        values.put(PostgresSourceOptions.PASSWORD.key(), servers.postgres().password());
        values.put(PostgresSourceOptions.SLOT.key(), "sluice_" + pgDb);
        values.put(PostgresSourceOptions.PUBLICATION.key(), "sluice_" + pgDb);
        values.put(PostgresSourceOptions.TABLES.key(), tables);
        values.put(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.key(), 20_000);
        values.put(ClickHouseSinkOptions.URL.key(), servers.clickhouse().url());
        values.put(ClickHouseSinkOptions.DATABASE.key(), chDb);
        values.put(ClickHouseSinkOptions.USER.key(), servers.clickhouse().user());
        values.put(ClickHouseSinkOptions.PASSWORD.key(), servers.clickhouse().password());
        values.put(JobOptions.CHECKPOINT_INTERVAL.key(), Duration.ofSeconds(1));
        values.put(JobOptions.CHECKPOINT_DIR.key(), tmp.resolve("checkpoints").toUri().toString());
        values.put(ClickHouseSinkOptions.FLUSH_INTERVAL.key(), Duration.ofMillis(500));
        return values;
    }

    private static final Map<MiniCluster, Integer> LIVE_TASK_MANAGER =
            new java.util.IdentityHashMap<>();

    /**
     * Kills the running TaskManager of a one-TaskManager MiniCluster and starts a new one. {@code
     * MiniCluster.terminateTaskManager(i)} stops the i-th TaskManager ever started (each
     * replacement takes the next index; stopping a stopped one again does nothing), so the index
     * moves on with every kill; a cluster shared by several tests keeps counting.
     */
    public static void replaceTaskManager(MiniCluster cluster) throws Exception {
        int live;
        synchronized (LIVE_TASK_MANAGER) {
            live = LIVE_TASK_MANAGER.getOrDefault(cluster, 0);
            LIVE_TASK_MANAGER.put(cluster, live + 1);
        }
        cluster.terminateTaskManager(live).get();
        cluster.startTaskManager();
    }

    /**
     * {@link JobEnvironment#configure} for a job on the test MiniCluster, with its checkpoints
     * written to the settings' checkpoint directory as in production. Without a directory Flink
     * keeps checkpoints in the JobManager's memory, which refuses a state handle over 5 MB: the
     * analytics job's dedupe state crosses that within a test, and from then on every checkpoint
     * fails.
     */
    public static void configure(StreamExecutionEnvironment env, SluiceConfig config) {
        JobEnvironment.configure(env, config);
        Configuration storage = new Configuration();
        storage.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        storage.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.get(JobOptions.CHECKPOINT_DIR));
        env.configure(storage);
    }

    /**
     * Prepares both ends for the mirror this configuration describes and starts it without
     * restarts, so that the first failure fails the test.
     */
    public static JobClient startMirror(SluiceConfig config, String jobName) throws Exception {
        MirrorSetup.prepare(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configure(env, config);
        noRestart(env);
        MirrorJob.build(
                env, config, MirrorSource.create(config, Resync.anchor(config, "test")), null);
        return env.executeAsync(jobName);
    }

    /** The shipped least-privilege role script (docs/security.md). */
    public static final Path ROLE_SCRIPT =
            Path.of("..", "sql", "postgres", "02_replication_role.sql");

    private static final String ROLE_PASSWORD = "role-it-password";

    /**
     * Runs the job as the shipped role instead of the superuser: applies {@link #ROLE_SCRIPT} to
     * the database of {@code superuser} (which must hold the sample schema's tables the script
     * names, owned by the superuser) and points the settings' Postgres user, password and
     * publication at what it made.
     */
    public static void asShippedRole(Connection superuser, Map<String, Object> settings)
            throws Exception {
        DemoRole.apply(superuser, ROLE_SCRIPT, ROLE_PASSWORD);
        settings.put(PostgresSourceOptions.USER.key(), DemoRole.ROLE);
        settings.put(PostgresSourceOptions.PASSWORD.key(), ROLE_PASSWORD);
        settings.put(PostgresSourceOptions.PUBLICATION.key(), "sluice"); // the script's
    }

    /** Points the settings' ClickHouse at another test server (for example the 26.7 engine). */
    public static void useClickHouse(Map<String, Object> values, TestClickHouse clickhouse) {
        values.put(ClickHouseSinkOptions.URL.key(), clickhouse.url());
        values.put(ClickHouseSinkOptions.USER.key(), clickhouse.user());
        values.put(ClickHouseSinkOptions.PASSWORD.key(), clickhouse.password());
    }

    /**
     * What a test failure about a job should say: its state, its checkpoints (in progress, failed,
     * the latest failure's reason) and the job's latest failure, so a stall seen only in CI can be
     * told apart from a failover loop.
     */
    public static String describe(MiniCluster cluster, JobClient job) {
        try {
            var graph = cluster.getExecutionGraph(job.getJobID()).get();
            StringBuilder out = new StringBuilder("job " + graph.getState());
            var stats = graph.getCheckpointStatsSnapshot();
            if (stats != null) {
                var counts = stats.getCounts();
                out.append(", checkpoints completed ")
                        .append(counts.getNumberOfCompletedCheckpoints())
                        .append(", in progress ")
                        .append(counts.getNumberOfInProgressCheckpoints())
                        .append(", failed ")
                        .append(counts.getNumberOfFailedCheckpoints());
                var failed = stats.getHistory().getLatestFailedCheckpoint();
                if (failed != null) {
                    out.append(", latest failed checkpoint ")
                            .append(failed.getCheckpointId())
                            .append(": ")
                            .append(failed.getFailureMessage());
                }
            }
            var failure = graph.getFailureInfo();
            if (failure != null) {
                out.append("; latest job failure at ")
                        .append(java.time.Instant.ofEpochMilli(failure.getTimestamp()))
                        .append(": ")
                        .append(failure.getExceptionAsString());
            }
            return out.toString();
        } catch (Exception e) {
            return "job state unknown (" + e + ")";
        }
    }

    /** The stacks of the Flink task threads of this JVM (names like {@code op (1/2)#3}). */
    private static String taskThreads() {
        StringBuilder out = new StringBuilder();
        Thread.getAllStackTraces()
                .forEach(
                        (thread, stack) -> {
                            if (thread.getName().matches(".*\\(\\d+/\\d+\\)#\\d+.*")
                                    && !thread.getName().startsWith("OutputFlusher")) {
                                out.append("\n\"")
                                        .append(thread.getName())
                                        .append("\" ")
                                        .append(thread.getState());
                                for (int i = 0; i < Math.min(stack.length, 25); i++) {
                                    out.append("\n    at ").append(stack[i]);
                                }
                            }
                        });
        return out.toString();
    }

    /**
     * Cancels the jobs a failed test left running on a shared MiniCluster: a job with unlimited
     * restarts would hold the slots, and the next test on the cluster would wait for checkpoints
     * that never come.
     */
    public static void cancelLeftoverJobs(MiniCluster cluster) throws Exception {
        for (var job : cluster.listJobs().get()) {
            if (!job.getJobState().isGloballyTerminalState()) {
                LOG.warn("cancelling job {} that a test left running", job.getJobName());
                cluster.cancelJob(job.getJobId()).get();
            }
        }
        awaitJobsOver(cluster);
        awaitCdcPoolsCleared();
    }

    /**
     * Cancels {@code job}, waits until it is over and its Postgres source has cleared Flink CDC's
     * connection pools, and then until its checkpoint directory under {@code tmp} has settled:
     * Flink discards the last checkpoint after the cancel returns, and JUnit's cleanup of {@code
     * tmp} fails when a file vanishes under it.
     */
    public static void cancel(JobClient job, Path tmp) throws Exception {
        job.cancel().get();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!job.getJobStatus().get().isGloballyTerminalState()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job still running 60 s after cancelling it");
            }
            Thread.sleep(100); // polling the job's status, with a deadline
        }
        awaitCdcPoolsCleared(); // a next job started before that has its connections closed
        awaitFilesSettled(tmp);
    }

    /** Waits (at most 60 s) until every job on {@code cluster} is in a terminal state. */
    private static void awaitJobsOver(MiniCluster cluster) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (cluster.listJobs().get().stream()
                .anyMatch(j -> !j.getJobState().isGloballyTerminalState())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("jobs still running 60 s after cancelling them");
            }
            Thread.sleep(100); // polling the cluster's job list, with a deadline
        }
    }

    /**
     * Waits (at most 30 s) until the previous job's Postgres source has cleared Flink CDC's
     * connection pools. The pools are one registry per JVM, and a source's split assigner closes
     * every pool in it when it closes (FLINK-35524), also after its job is already CANCELED. A job
     * started in that window has the connection it primes its type registry on closed under it
     * ("Database connection failed during resolving unknown type") and, without restarts, fails:
     * this is what made HostileNamesIT's second engine fail once in CI.
     */
    private static void awaitCdcPoolsCleared() throws Exception {
        Field instanceField = JdbcConnectionPools.class.getDeclaredField("instance");
        instanceField.setAccessible(true);
        Object instance = instanceField.get(null);
        if (instance == null) {
            return; // no Postgres source has run in this JVM
        }
        Field poolsField = JdbcConnectionPools.class.getDeclaredField("pools");
        poolsField.setAccessible(true);
        Map<?, ?> pools = (Map<?, ?>) poolsField.get(instance);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            synchronized (pools) { // the registry's own lock
                if (pools.isEmpty()) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                LOG.warn("Flink CDC's connection pools were not cleared 30 s after the jobs ended");
                return;
            }
            Thread.sleep(100); // polling the pool registry, with a deadline
        }
    }

    /**
     * Waits until nothing under {@code dir} changes for half a second (at most 20 s): after a
     * cancelled job is over, Flink may still discard its last checkpoint's directory, and JUnit's
     * temporary directory cleanup fails when a file vanishes under it.
     */
    public static void awaitFilesSettled(Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<String> before = listing(dir);
        while (System.nanoTime() < deadline) {
            Thread.sleep(500); // polling the directory until it stops changing, with a deadline
            List<String> now = listing(dir);
            if (now.equals(before)) {
                return;
            }
            before = now;
        }
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!java.nio.file.Files.exists(dir)) {
            return List.of();
        }
        try (var paths = java.nio.file.Files.walk(dir)) {
            return paths.map(Path::toString).sorted().toList();
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
            return List.of("changing: " + e.getMessage()); // a file vanished while listing
        }
    }

    /**
     * Stops {@code job} with a savepoint under {@code dir} and returns its path. A stop whose
     * savepoint is declined because a task finished while it was being triggered ("TaskManager
     * received a checkpoint request for unknown task ... Task local checkpoint failure") fails the
     * job over to its last checkpoint; this waits for the next checkpoint of the restarted job and
     * stops again, at most three times. The task that finishes is a Postgres source reader left
     * idle when the snapshot ends (Flink CDC's {@code closeIdleReaders}); see "Stop-with-savepoint
     * right after the snapshot" in docs/known-limitations.md.
     */
    public static String stopWithSavepoint(MiniCluster cluster, JobClient job, Path dir)
            throws Exception {
        for (int attempt = 1; ; attempt++) {
            long seen = completedCheckpoints(cluster, job);
            try {
                return job.stopWithSavepoint(
                                false, dir.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
            } catch (ExecutionException e) {
                var declined =
                        ExceptionUtils.findThrowable(e, CheckpointException.class)
                                .filter(
                                        c ->
                                                c.getCheckpointFailureReason()
                                                        == CheckpointFailureReason
                                                                .TASK_CHECKPOINT_FAILURE);
                if (declined.isEmpty()
                        || attempt == 3
                        || job.getJobStatus().get().isGloballyTerminalState()) {
                    throw e;
                }
                LOG.warn("stop-with-savepoint declined (attempt {}); stopping again", attempt, e);
                awaitCheckpointAfter(cluster, job, seen, Duration.ofMinutes(2));
            }
        }
    }

    /** The number of checkpoints the job has completed so far. */
    public static long completedCheckpoints(MiniCluster cluster, JobClient job) throws Exception {
        var stats = cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
        return stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
    }

    /** Waits until the job has completed more than {@code seen} checkpoints; returns the count. */
    public static long awaitCheckpointAfter(
            MiniCluster cluster, JobClient job, long seen, Duration timeout) throws Exception {
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        boolean dumped = false;
        while (true) {
            var stats =
                    cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
            long completed =
                    stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
            if (completed > seen) {
                LOG.info(
                        "checkpoint {} completed after waiting {} ms",
                        completed,
                        (System.nanoTime() - started) / 1_000_000);
                return completed;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no checkpoint completed within "
                                + timeout
                                + " (completed: "
                                + completed
                                + "); "
                                + describe(cluster, job));
            }
            if (!dumped && System.nanoTime() - started > timeout.toNanos() / 2) {
                dumped = true;
                LOG.warn(
                        "no checkpoint for {} s; {}; task threads:{}",
                        (System.nanoTime() - started) / 1_000_000_000,
                        describe(cluster, job),
                        taskThreads());
            }
            Thread.sleep(100); // polling the job's checkpoint statistics, with a deadline
        }
    }
}
