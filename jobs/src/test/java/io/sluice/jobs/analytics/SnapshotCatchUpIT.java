package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deletes while the snapshot is read: Flink CDC notes the WAL position of each chunk, reads it with
 * a plain SELECT (Sluice skips the backfill), and then streams from the earliest chunk's position.
 * A row deleted after the first chunks were read and before its own chunk was is in no snapshot
 * row, and its delete still arrives from the stream. It must not count as a delete of an event the
 * job forgot ({@code unknown-delete} in analytics.late_events): every table ends equal to SQL over
 * Postgres, late_events empty.
 */
class SnapshotCatchUpIT {

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void rowsDeletedBeforeTheirChunkIsReadLeaveNoLateEvent(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("catchup");
        String chDb = servers.clickhouse().newDatabase("catchup_mirror");
        String anDb = servers.clickhouse().newDatabase("catchup");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb)) {
            EventWorkload workload =
                    new EventWorkload(pg, 13, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(12_000);
            Map<String, Object> settings = AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
            // Small chunks read one after the other, in key order: the last ones come seconds
            // after the first.
            settings.put(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.key(), 250);
            settings.put(JobOptions.PARALLELISM.key(), 1);
            SluiceConfig config = SluiceConfig.of(settings);
            JobClient job = AnalyticsJobIT.startWithoutRestarts(config, "snapshot-catch-up-it");
            try {
                long total = count(pg, "SELECT count(*) FROM events");
                long seen = awaitFirstChunks(ch);
                // Rows three quarters up the key order, deleted while the first chunks are being
                // written. (Chunks are read in key order, except that Flink CDC reads the last,
                // unbounded one first.)
                int deleted;
                try (Statement st = pg.createStatement()) {
                    deleted =
                            st.executeUpdate(
                                    "DELETE FROM events WHERE event_id IN (SELECT event_id FROM"
                                            + " events ORDER BY event_id OFFSET "
                                            + (total * 3 / 4)
                                            + " LIMIT 40)");
                }
                assertThat(deleted).isEqualTo(40);
                assertThat(seen)
                        .as("events in ClickHouse when the deletes ran: the snapshot not done")
                        .isLessThan(total / 2);
                new EventOracle(pg, ch, AnalyticsTestSettings.PII_KEY)
                        .awaitExact(Duration.ofMinutes(3));
                assertThat(count(ch, "SELECT count() FROM late_events")).as("late events").isZero();
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /** Polls until ClickHouse holds the first snapshot rows; returns how many events it holds. */
    private static long awaitFirstChunks(ClickHouseConnection ch) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                long n = count(ch, "SELECT count() FROM events");
                if (n > 0) {
                    return n;
                }
            } catch (RuntimeException notYet) {
                // the table is created by the job's setup
            }
            Thread.sleep(50); // polling ClickHouse, with a deadline
        }
        throw new AssertionError("no snapshot row reached ClickHouse within 2 minutes");
    }

    private static long count(ClickHouseConnection ch, String sql) {
        return Long.parseLong(ch.query(sql).get(0).get(0));
    }

    private static long count(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
