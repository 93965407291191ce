package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.FrozenClickHouse;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ClickHouse frozen (SIGSTOP: connections stay open, requests hang) for 20 s while changes stream:
 * checkpoints go on completing during the outage (the unwritten batches are the sink writer's
 * state), and once ClickHouse is back the mirror equals Postgres. Before, the writer retried on the
 * task thread and every checkpoint waited for the outage to end.
 */
class ClickHouseOutageIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseOutageIT.class);
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void checkpointsCompleteWhileClickHouseIsFrozenAndTheMirrorEndsExact(
            @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("outage");
        String chDb = servers.clickhouse().newDatabase("outage");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE TABLE accounts (id int PRIMARY KEY, v text)");
                st.execute(
                        "INSERT INTO accounts SELECT g, 'row ' || g FROM generate_series(1, 100) g");
            }
            SluiceConfig config =
                    SluiceConfig.of(
                            JobTestSupport.settings(
                                    servers, pgDb, chDb, List.of("public.accounts"), tmp));
            JobClient job = MirrorTestJob.start(config, "clickhouse-outage", false);
            try {
                awaitMirror(pg, ch, Duration.ofMinutes(2));
                FrozenClickHouse.checkpointsWhileFrozen(
                        servers.clickhouse(),
                        OUTAGE,
                        cluster,
                        job,
                        3,
                        round -> {
                            try (Statement st = pg.createStatement()) {
                                st.execute(
                                        "UPDATE accounts SET v = v || '+' WHERE id % 3 = " + round);
                                st.execute("DELETE FROM accounts WHERE id = " + (10 + round));
                                st.execute(
                                        "INSERT INTO accounts VALUES ("
                                                + (1000 + round)
                                                + ", 'new "
                                                + round
                                                + "')");
                            }
                        });
                awaitMirror(pg, ch, Duration.ofMinutes(2));
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /** Waits until ClickHouse's live rows equal Postgres's table. */
    private static void awaitMirror(Connection pg, ClickHouseConnection ch, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String expected = null;
        String actual = null;
        while (System.nanoTime() < deadline) {
            expected = postgresRows(pg);
            actual =
                    String.join(
                            "\n",
                            ch
                                    .query(
                                            "SELECT id, v FROM accounts FINAL WHERE _is_deleted = 0"
                                                    + " ORDER BY id")
                                    .stream()
                                    .map(r -> r.get(0) + "\t" + r.get(1))
                                    .toList());
            if (expected.equals(actual)) {
                return;
            }
            Thread.sleep(500); // polling the mirror, with a deadline
        }
        assertThat(actual).as("ClickHouse's accounts against Postgres").isEqualTo(expected);
    }

    private static String postgresRows(Connection pg) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT id, v FROM accounts ORDER BY id")) {
            while (rs.next()) {
                rows.add(rs.getInt(1) + "\t" + rs.getString(2));
            }
        }
        return String.join("\n", rows);
    }
}
