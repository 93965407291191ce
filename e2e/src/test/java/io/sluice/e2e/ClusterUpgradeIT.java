package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics job on a real standalone Flink cluster (JobManager and TaskManager processes),
 * driven only through {@code ./sluice cluster} and {@code ./sluice flink} (Flink's own CLI):
 *
 * <ol>
 *   <li>v1 (the session state without its newest field, three count rollups) is submitted with
 *       {@code flink run} and reads a snapshot, then streamed events;
 *   <li>{@code flink stop --savepointPath} stops it; more events are written while it is down;
 *   <li>v2 (the current jar: one more field in the session state, one more rollup) is submitted
 *       with {@code flink run -s <savepoint>} and streams more events, corrections and deletes.
 * </ol>
 *
 * ClickHouse must then equal SQL over Postgres: the events, events per minute and the sessions
 * (which span the upgrade, so they come through the evolved state); the added events_per_hour
 * counts exactly the hours after the upgrade and nothing before.
 */
class ClusterUpgradeIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterUpgradeIT.class);
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void upgradeThroughASavepointLosesAndDoublesNothing(@TempDir Path tmp) throws Exception {
        Path jar = ROOT.resolve("jobs/target/sluice-jobs.jar");
        assertThat(jar).as("the shaded jobs jar (built before this module)").exists();
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("e2e");
        String chDb = servers.clickhouse().newDatabase("e2e_mirror");
        String anDb = servers.clickhouse().newDatabase("e2e_analytics");
        long seed = System.nanoTime();
        LOG.info("workload seed {}", seed);
        Random random = new Random(seed);

        Path v1Jar = PreviousRelease.build(jar, tmp);
        int rest = Launcher.freePort();
        Launcher sluice = new Launcher(ROOT, tmp.resolve("home"), rest, Launcher.freePort());
        Path v1Config = tmp.resolve("v1.yaml");
        Path v2Config = tmp.resolve("v2.yaml");
        Files.writeString(
                v1Config,
                ClusterChecks.config(servers, pgDb, chDb, anDb, tmp)
                        + "  rollups: [events_per_minute, events_per_5m, sessions_daily]\n");
        Files.writeString(v2Config, ClusterChecks.config(servers, pgDb, chDb, anDb, tmp));

        Instant t0 = Instant.now().truncatedTo(ChronoUnit.HOURS);
        Instant upgradeHour = t0.minus(Duration.ofHours(3));
        try (Connection pg =
                DriverManager.getConnection(
                        servers.postgres().jdbcUrl(pgDb),
                        servers.postgres().user(),
                        servers.postgres().password())) {
            ClusterWorkload workload =
                    new ClusterWorkload(pg, random, t0.minus(Duration.ofHours(6)));
            workload.createTables();
            workload.writeUntil(t0.minus(Duration.ofHours(4)), false); // read by the snapshot

            LOG.info(sluice.run("cluster", "start"));
            try {
                String v1 = ClusterChecks.submitAnalytics(sluice, v1Jar, v1Config, null);
                workload.writeUntil(upgradeHour, false); // streamed into v1
                ClusterChecks.awaitEvents(servers, anDb, pg, Duration.ofMinutes(4));

                String savepoint = sluice.stopWithSavepoint(v1, tmp.resolve("savepoints"));
                LOG.info("v1 stopped with savepoint {}", savepoint);

                workload.writeUntil(t0.minus(Duration.ofHours(2)), false); // while nothing runs
                String v2 = ClusterChecks.submitAnalytics(sluice, jar, v2Config, savepoint);
                workload.writeUntil(t0, true); // streamed into v2, with corrections and deletes

                String restored = ClusterChecks.get(rest, "/jobs/" + v2 + "/checkpoints");
                assertThat(restored)
                        .as("v2 restored from the savepoint")
                        .contains("\"is_savepoint\":true")
                        .contains(savepoint.replaceFirst("^file:", ""));

                List<String> differences = List.of();
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                do {
                    Thread.sleep(2_000); // polling until v2 has caught up, with a deadline
                    differences = ClusterChecks.compare(servers, anDb, pg, upgradeHour);
                } while (!differences.isEmpty() && System.nanoTime() < deadline);
                assertThat(differences).isEmpty();
                assertThat(sluice.run("flink", "list")).contains(v2).contains("RUNNING");
                assertThat(workload.deleted).isPositive();
                assertThat(workload.corrected).isPositive();
                assertThat(
                                servers.clickhouse()
                                        .query(
                                                "SELECT count() FROM "
                                                        + anDb
                                                        + ".sessions FINAL WHERE _is_deleted = 0"
                                                        + " AND started_at_us < "
                                                        + upgradeHour.toEpochMilli() * 1000
                                                        + " AND ended_at_us >= "
                                                        + upgradeHour.toEpochMilli() * 1000)
                                        .trim())
                        .as("sessions spanning the upgrade")
                        .isNotEqualTo("0");

                // Stop-with-savepoint / restore, again and again, with changes in between: every
                // stop must succeed and the results stay exact.
                String current = v2;
                for (int cycle = 1; cycle <= STOP_RESTORE_CYCLES; cycle++) {
                    String running = current;
                    ClusterChecks.awaitSlotActive(
                            pg,
                            "sluice_e2e",
                            Duration.ofMinutes(1),
                            () -> ClusterChecks.get(rest, "/jobs/" + running + "/exceptions"));
                    String sp = sluice.stopWithSavepoint(current, tmp.resolve("savepoints"));
                    workload.insertNow(5);
                    current = ClusterChecks.submitAnalytics(sluice, jar, v2Config, sp);
                    LOG.info("stop/restore cycle {} of {}: {}", cycle, STOP_RESTORE_CYCLES, sp);
                }
                workload.insertNow(5);
                List<String> afterCycles = List.of();
                deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                do {
                    Thread.sleep(2_000); // polling until the last run has caught up
                    afterCycles = ClusterChecks.compare(servers, anDb, pg, upgradeHour);
                } while (!afterCycles.isEmpty() && System.nanoTime() < deadline);
                assertThat(afterCycles)
                        .as("after %d stop/restore cycles", STOP_RESTORE_CYCLES)
                        .isEmpty();
                sluice.run("flink", "cancel", current);
            } finally {
                LOG.info(sluice.run("cluster", "stop"));
            }
        }
    }

    /** Stop-with-savepoint / restore cycles of the analytics job after the upgrade. */
    private static final int STOP_RESTORE_CYCLES = 20;
}
