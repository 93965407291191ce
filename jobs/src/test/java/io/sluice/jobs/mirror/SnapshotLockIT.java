package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.ops.Resync;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Never lock up the source: a job whose tasks fail over again and again during its snapshot, inside
 * a live TaskManager, must not leave sessions behind that hold locks on the source tables. An
 * {@code ALTER TABLE} on a captured table during the loop must get its lock within seconds (else
 * every later query on the table queues behind it), and the snapshot must still end exact.
 */
class SnapshotLockIT {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotLockIT.class);
    private static final int ROWS = 60_000;
    private static final int FAILOVERS = 5;
    private static final AtomicInteger FAILED = new AtomicInteger();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration
                                    .Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    /** Fails the first attempts of its task after some rows: a failover loop in the snapshot. */
    static final class FailoverLoop extends RichMapFunction<ChangeRecord, ChangeRecord> {
        private transient int seen;

        @Override
        public ChangeRecord map(ChangeRecord value) {
            if (getRuntimeContext().getTaskInfo().getAttemptNumber() < FAILOVERS
                    && ++seen == 3_000) {
                FAILED.incrementAndGet();
                throw new IllegalStateException("injected failure during the snapshot");
            }
            return value;
        }
    }

    /** The database's other sessions: state, age of the state, and query. */
    private static List<String> sessions(Connection pg) throws Exception {
        List<String> out = new java.util.ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT pid, state, now() - state_change, left(query, 80) FROM"
                                        + " pg_stat_activity WHERE datname = current_database()"
                                        + " AND pid <> pg_backend_pid()")) {
            while (rs.next()) {
                out.add(
                        rs.getString(1)
                                + " "
                                + rs.getString(2)
                                + " "
                                + rs.getString(3)
                                + " "
                                + rs.getString(4));
            }
        }
        return out;
    }

    @Test
    void anAlterTableGetsItsLockDuringAFailoverLoop(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("snapshotlock");
        String chDb = servers.clickhouse().newDatabase("snapshotlock");
        FAILED.set(0);
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE TABLE orders (id bigint PRIMARY KEY, note text)");
                st.execute(
                        "INSERT INTO orders SELECT g, repeat('x', 200) FROM generate_series(1, "
                                + ROWS
                                + ") g");
            }
            Map<String, Object> settings =
                    JobTestSupport.settings(servers, pgDb, chDb, List.of("public.orders"), tmp);
            settings.put(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.key(), 2_000);
            settings.put(JobOptions.PARALLELISM.key(), 2);
            SluiceConfig config = SluiceConfig.of(settings);
            MirrorSetup.prepare(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            JobTestSupport.configure(env, config);
            JobTestSupport.restartForever(env, Duration.ofMillis(200));
            DataStream<ChangeRecord> changes =
                    MirrorJob.changes(
                            env,
                            config,
                            MirrorSource.create(config, Resync.anchor(config, "test")));
            MirrorJob.mirror(
                    changes.map(new FailoverLoop())
                            .name("failover-loop")
                            .setParallelism(config.get(JobOptions.PARALLELISM)),
                    config);
            JobClient job = env.executeAsync("snapshot-lock");
            try {
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (FAILED.get() < 3) {
                    assertThat(System.nanoTime()).as("failovers").isLessThan(deadline);
                    Thread.sleep(100); // polling the injected failures, with a deadline
                }
                long start = System.nanoTime();
                try (Statement st = pg.createStatement()) {
                    st.execute("SET lock_timeout = '30s'");
                    st.execute("ALTER TABLE orders ADD COLUMN extra int");
                    st.execute("RESET lock_timeout");
                } catch (java.sql.SQLException e) {
                    throw new AssertionError(
                            "ALTER TABLE did not get its lock: "
                                    + e.getMessage()
                                    + "; sessions: "
                                    + sessions(pg),
                            e);
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                LOG.info("ALTER TABLE took {} ms after {} failovers", ms, FAILED.get());
                assertThat(ms).as("ALTER TABLE during the failover loop (ms)").isLessThan(15_000);
                // The snapshot still ends exact.
                deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                String count;
                do {
                    Thread.sleep(500); // polling ClickHouse, with a deadline
                    count = ch.queryValue("SELECT count() FROM orders FINAL WHERE _is_deleted = 0");
                } while (!Integer.toString(ROWS).equals(count) && System.nanoTime() < deadline);
                assertThat(count).isEqualTo(Integer.toString(ROWS));
                try (Statement st = pg.createStatement();
                        ResultSet rs =
                                st.executeQuery(
                                        "SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                                + " current_database() AND state = 'idle in"
                                                + " transaction' AND now() - state_change >"
                                                + " interval '30 seconds'")) {
                    rs.next();
                    assertThat(rs.getLong(1))
                            .as("sessions idle in transaction for > 30 s")
                            .isZero();
                }
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }
}
