package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WAL safety: with the captured table idle and the rest of the database busy, the slot must not
 * hold back the WAL the busy tables write. On Postgres 15+ nothing of those transactions passes the
 * slot, and the slot moves only when a completed checkpoint confirms the source's position, so
 * without the lifecycle guard's heartbeat message (one per checkpoint) the slot stays where the
 * stream started and Postgres keeps every byte since (measured: all 70 MB). No captured change is
 * made at all, the hardest case: the source then has no position of its own to report. The WAL the
 * slot holds back after about 64 MB of unrelated writes must be a small part of them.
 */
class WalRetentionIT {
    private static final Logger LOG = LoggerFactory.getLogger(WalRetentionIT.class);
    private static final long BUSY_BYTES = 64L << 20;
    private static final long BOUND_BYTES = 16L << 20;

    @RegisterExtension static final MiniClusterExtension FLINK = new MiniClusterExtension();

    @Test
    void anIdleCapturedTableDoesNotHoldBackTheWalOfBusyOnes(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("walretention");
        String chDb = servers.clickhouse().newDatabase("walretention");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE TABLE quiet (id int PRIMARY KEY, v text)");
                st.execute(
                        "INSERT INTO quiet SELECT g, 'row ' || g FROM generate_series(1, 100) g");
                st.execute("CREATE TABLE busy (id bigserial PRIMARY KEY, payload text)");
            }
            SluiceConfig config =
                    SluiceConfig.of(
                            JobTestSupport.settings(
                                    servers, pgDb, chDb, List.of("public.quiet"), tmp));
            JobClient job = MirrorTestJob.start(config, "wal-retention", true);
            try {
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (!"100"
                        .equals(
                                ch.queryValue(
                                        "SELECT count() FROM quiet FINAL WHERE _is_deleted = 0"))) {
                    assertThat(System.nanoTime()).as("snapshot of quiet").isLessThan(deadline);
                    Thread.sleep(500); // polling the snapshot, with a deadline
                }
                // The stream has begun (the slot is in use), and no captured change ever comes:
                // the source has no position of its own to report, only what passes the slot.
                while (!slotActive(pg, config)) {
                    assertThat(System.nanoTime()).as("slot in use").isLessThan(deadline);
                    Thread.sleep(200); // polling the slot, with a deadline
                }
                long start = walLsn(pg);
                // The rest of the database is busy: about 64 MB of WAL in uncaptured writes.
                try (Statement st = pg.createStatement()) {
                    while (walLsn(pg) - start < BUSY_BYTES) {
                        st.execute(
                                "INSERT INTO busy (payload) SELECT repeat(md5(g::text), 32)"
                                        + " FROM generate_series(1, 2000) g");
                        Thread.sleep(100); // paced, so checkpoints and heartbeats run meanwhile
                    }
                }
                // Let at least one heartbeat interval and a checkpoint pass, then measure.
                long retained = Long.MAX_VALUE;
                deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (System.nanoTime() < deadline) {
                    retained = retainedBytes(pg, config);
                    if (retained < BOUND_BYTES) {
                        break;
                    }
                    Thread.sleep(1_000); // polling the slot, with a deadline
                }
                long written = walLsn(pg) - start;
                LOG.info(
                        "busy tables wrote {} bytes of WAL; the slot holds back {}",
                        written,
                        retained);
                assertThat(written).isGreaterThanOrEqualTo(BUSY_BYTES);
                assertThat(retained)
                        .as("WAL held back by the slot after %d bytes of unrelated writes", written)
                        .isLessThan(BOUND_BYTES);
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    private static boolean slotActive(Connection pg, SluiceConfig config) throws Exception {
        return number(
                        pg,
                        "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                                + config.get(PostgresSourceOptions.SLOT)
                                + "'")
                > 0;
    }

    private static long walLsn(Connection pg) throws Exception {
        return number(pg, "SELECT (pg_current_wal_lsn() - '0/0')::bigint");
    }

    private static long retainedBytes(Connection pg, SluiceConfig config) throws Exception {
        return number(
                pg,
                "SELECT (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint FROM"
                        + " pg_replication_slots WHERE slot_name = '"
                        + config.get(PostgresSourceOptions.SLOT)
                        + "'");
    }

    private static long number(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
