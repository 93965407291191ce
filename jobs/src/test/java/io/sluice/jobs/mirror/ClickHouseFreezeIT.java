package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.ops.Resync;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.restartstrategy.RestartStrategies;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frozen ClickHouse (SIGSTOP: every request hangs) does not stop the mirror's checkpoints:
 * changes keep streaming from Postgres during a 30 s freeze, checkpoints with a 1 s interval keep
 * completing (their writer state holds the batches ClickHouse has not taken), the job neither fails
 * nor restarts, and once ClickHouse thaws the mirror equals the Postgres table (read with SQL) row
 * for row.
 */
class ClickHouseFreezeIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseFreezeIT.class);
    private static final int INITIAL_ROWS = 2_000;
    private static final Duration FREEZE = Duration.ofSeconds(30);

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @Test
    void checkpointsKeepCompletingWhileClickHouseIsFrozenAndTheMirrorEndsExact(
            @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("freeze");
        String chDb = servers.clickhouse().newDatabase("freeze");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE TABLE items (id bigint PRIMARY KEY, name text, n integer)");
                st.execute(
                        "INSERT INTO items SELECT g, 'item ' || g, g FROM generate_series(1, "
                                + INITIAL_ROWS
                                + ") g");
            }
            SluiceConfig config =
                    SluiceConfig.of(
                            JobTestSupport.settings(
                                    servers, pgDb, chDb, List.of("public.items"), tmp));
            MirrorSetup.prepare(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            JobEnvironment.configure(env, config);
            // A failure must show as a failed job here, not be hidden by a restart.
            env.setRestartStrategy(RestartStrategies.noRestart());
            MirrorJob.build(
                    env, config, MirrorSource.create(config, Resync.anchor(config, "test")));
            JobClient job = env.executeAsync("clickhouse-freeze-it");

            awaitRows(ch, INITIAL_ROWS, Duration.ofMinutes(2));
            JobTestSupport.awaitCheckpointAfter(
                    cluster, job, completedCheckpoints(cluster, job), Duration.ofMinutes(1));

            AtomicBoolean streaming = new AtomicBoolean(true);
            CompletableFuture<Integer> workload =
                    CompletableFuture.supplyAsync(() -> stream(pg, streaming));
            CompletableFuture<Void> freeze =
                    CompletableFuture.runAsync(
                            () -> {
                                try {
                                    servers.clickhouse().pause(FREEZE);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                    throw new IllegalStateException(e);
                                }
                            });
            // Measured from 3 s into the freeze (the inserts in flight hang by then) to 3 s
            // before its end.
            Thread.sleep(3_000); // waiting for the freeze to take hold, not for a condition
            long before = completedCheckpoints(cluster, job);
            long stateBefore = latestCheckpointSize(cluster, job);
            Thread.sleep(FREEZE.toMillis() - 6_000); // the window under test
            long during = completedCheckpoints(cluster, job) - before;
            long stateDuring = latestCheckpointSize(cluster, job);
            freeze.join();
            streaming.set(false);
            int rounds = workload.join();
            LOG.info(
                    "{} checkpoints completed in the {} s window of the freeze; {} rounds of changes;"
                            + " latest checkpoint {} bytes before the window, {} at its end",
                    during,
                    FREEZE.toSeconds() - 6,
                    rounds,
                    stateBefore,
                    stateDuring);

            assertThat(during)
                    .as("checkpoints completed while ClickHouse was frozen (1 s interval)")
                    .isGreaterThanOrEqualTo(5);
            assertThat(rounds).as("changes streamed during the freeze").isGreaterThan(10);
            assertThat(stateDuring - stateBefore)
                    .as("the checkpoints hold the rows ClickHouse could not take (writer state)")
                    .isGreaterThan(20_000);

            List<List<String>> expected = postgresRows(pg);
            List<List<String>> actual = awaitEqual(ch, expected, Duration.ofMinutes(2));
            assertThat(actual).isEqualTo(expected);
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            job.cancel().get();
        }
    }

    private static long completedCheckpoints(MiniCluster cluster, JobClient job) throws Exception {
        var stats = cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
        return stats == null ? 0 : stats.getCounts().getNumberOfCompletedCheckpoints();
    }

    private static long latestCheckpointSize(MiniCluster cluster, JobClient job) throws Exception {
        var stats = cluster.getExecutionGraph(job.getJobID()).get().getCheckpointStatsSnapshot();
        var latest = stats == null ? null : stats.getHistory().getLatestCompletedCheckpoint();
        return latest == null ? 0 : latest.getStateSize();
    }

    /** Inserts, updates and deletes rows every 200 ms until told to stop; returns the rounds. */
    private static int stream(Connection pg, AtomicBoolean streaming) {
        int round = 0;
        try (Statement st = pg.createStatement()) {
            while (streaming.get()) {
                long from = INITIAL_ROWS + 1 + round * 20L;
                st.execute(
                        "INSERT INTO items SELECT g, 'new ' || g, g FROM generate_series("
                                + from
                                + ", "
                                + (from + 19)
                                + ") g");
                st.execute(
                        "UPDATE items SET n = n + 1, name = 'updated ' || id WHERE id % 97 = "
                                + (round % 97));
                st.execute("DELETE FROM items WHERE id = " + (1 + round * 7));
                round++;
                Thread.sleep(200); // paces the workload so changes stream during the freeze
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return round;
    }

    private static List<List<String>> postgresRows(Connection pg) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, name, n FROM items ORDER BY id")) {
            while (rs.next()) {
                rows.add(List.of(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        }
        return rows;
    }

    private static List<List<String>> clickHouseRows(ClickHouseConnection ch) {
        List<List<String>> rows = new ArrayList<>();
        for (List<String> raw :
                ch.query(
                        "SELECT toString(id), name, toString(n) FROM items FINAL"
                                + " WHERE NOT _is_deleted ORDER BY id")) {
            rows.add(raw.stream().map(TsvCodec::unescape).toList());
        }
        return rows;
    }

    private static void awaitRows(ClickHouseConnection ch, int rows, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String sql = "SELECT count() FROM items FINAL WHERE NOT _is_deleted";
        while (!String.valueOf(rows).equals(ch.queryValue(sql))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("snapshot not in ClickHouse within " + timeout);
            }
            Thread.sleep(200); // polling ClickHouse for the snapshot, with a deadline
        }
    }

    private static List<List<String>> awaitEqual(
            ClickHouseConnection ch, List<List<String>> expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<List<String>> actual = clickHouseRows(ch);
        while (!actual.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(500); // polling ClickHouse until it caught up, with a deadline
            actual = clickHouseRows(ch);
        }
        return actual;
    }
}
