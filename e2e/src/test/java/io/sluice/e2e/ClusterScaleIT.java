package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.jobs.analytics.AnalyticsTestSettings;
import io.sluice.jobs.analytics.EventOracle;
import io.sluice.jobs.analytics.EventWorkload;
import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics job across TaskManager processes on the standalone cluster ({@code ./sluice cluster
 * start --taskmanagers 2}, two slots each), driven only through {@code ./sluice}:
 *
 * <ol>
 *   <li>submitted at parallelism 4, so every keyed operator is split over both processes; it reads
 *       a snapshot, then streams;
 *   <li>one TaskManager process is killed (SIGKILL) mid-stream, and events, corrections and deletes
 *       go on while it is gone; {@code cluster start --taskmanagers 2} starts it again and the job
 *       recovers from its last checkpoint;
 *   <li>it is rescaled through savepoints, 4 → 2 → 4, with changes in between.
 * </ol>
 *
 * The workload and the oracle are the jobs' integration tests' ({@link EventWorkload}, {@link
 * EventOracle}): three simulated days of product events, requests, orders, refunds and
 * subscriptions, with re-deliveries, out-of-order, late and malformed rows, corrections, deletes
 * and e-mail addresses; the job runs with their funnels, retention, features, alerts and PII
 * hashing. After each step every mirror table and every analytics table, read with FINAL, must
 * equal SQL over the Postgres source tables (sessions, funnels and user activity span the kill and
 * both rescales, so their state moves between key groups), and no e-mail address may reach
 * ClickHouse.
 */
class ClusterScaleIT {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterScaleIT.class);
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void parallelismFourOverTwoTaskManagersThroughAKillAndRescales(@TempDir Path tmp)
            throws Exception {
        Path jar = ROOT.resolve("jobs/target/sluice-jobs.jar");
        assertThat(jar).as("the shaded jobs jar (built before this module)").exists();
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("scale");
        String chDb = servers.clickhouse().newDatabase("scale_mirror");
        String anDb = servers.clickhouse().newDatabase("scale_analytics");
        String slot = "sluice_" + pgDb;
        long seed = System.nanoTime();
        LOG.info("workload seed {}", seed);
        int rest = Launcher.freePort();
        Path home = tmp.resolve("home");
        Launcher sluice = new Launcher(ROOT, home, rest, Launcher.freePort());
        Path p4 = tmp.resolve("p4.yaml");
        Path p2 = tmp.resolve("p2.yaml");
        Files.writeString(
                p4, ClusterChecks.analyticsConfig(servers, pgDb, chDb, anDb, tmp, slot, 4));
        Files.writeString(
                p2, ClusterChecks.analyticsConfig(servers, pgDb, chDb, anDb, tmp, slot, 2));
        // The key reaches the job in its graph, from the environment of `flink run`.
        sluice.env("SLUICE_PII_KEY", AnalyticsTestSettings.PII_KEY);

        try (Connection pg =
                        DriverManager.getConnection(
                                servers.postgres().jdbcUrl(pgDb),
                                servers.postgres().user(),
                                servers.postgres().password());
                ClickHouseConnection analytics = connect(servers, anDb);
                ClickHouseConnection mirror = connect(servers, chDb)) {
            EventWorkload workload =
                    new EventWorkload(pg, seed, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(3_000); // read by the snapshot
            EventOracle oracle = new EventOracle(pg, analytics, AnalyticsTestSettings.PII_KEY);

            LOG.info(sluice.run("cluster", "start", "--taskmanagers", "2"));
            try {
                String job = ClusterChecks.submitAnalytics(sluice, jar, p4, null);
                assertThat(parallelismOf(rest, job))
                        .as("parallelism of the first run")
                        .isEqualTo(4);
                awaitExact("the snapshot at parallelism 4", oracle, pg, mirror);
                stream(workload, 4);
                awaitExact("streaming at parallelism 4", oracle, pg, mirror);

                // A TaskManager process dies mid-stream.
                Path second = home.resolve("flink").resolve("taskmanager-2.pid");
                long pid = Long.parseLong(Files.readString(second).strip());
                assertThat(ProcessHandle.of(pid))
                        .as("the second TaskManager's process")
                        .isPresent();
                ProcessHandle killed = ProcessHandle.of(pid).orElseThrow();
                killed.destroyForcibly();
                // SIGKILL is asynchronous: until the process is gone, `cluster start` sees it
                // running and starts no new one (CI failed on this once, on a fast machine).
                killed.onExit().get(1, TimeUnit.MINUTES);
                LOG.info("killed TaskManager process {}", pid);
                stream(workload, 3); // while it is gone
                LOG.info(sluice.run("cluster", "start", "--taskmanagers", "2"));
                stream(workload, 2);
                awaitExact("a TaskManager killed and started again", oracle, pg, mirror);
                assertThat(ClusterChecks.get(rest, "/jobs/" + job + "/exceptions"))
                        .as("the job's failure history: the lost TaskManager")
                        .contains("\"entries\":[{");

                // Rescaled through savepoints, 4 -> 2 -> 4.
                for (int parallelism : List.of(2, 4)) {
                    String running = job;
                    ClusterChecks.awaitSlotActive(
                            pg,
                            slot,
                            Duration.ofMinutes(1),
                            () -> ClusterChecks.get(rest, "/jobs/" + running + "/exceptions"));
                    String savepoint = sluice.stopWithSavepoint(job, tmp.resolve("savepoints"));
                    workload.streamStep(100); // while nothing runs
                    job =
                            ClusterChecks.submitAnalytics(
                                    sluice, jar, parallelism == 2 ? p2 : p4, savepoint);
                    assertThat(parallelismOf(rest, job))
                            .as("parallelism after the rescale")
                            .isEqualTo(parallelism);
                    stream(workload, 3);
                    awaitExact("rescaled to " + parallelism, oracle, pg, mirror);
                }
                assertThat(oracle.rawEmailsInClickHouse(List.of(chDb, anDb))).isEmpty();
                sluice.run("flink", "cancel", job);
            } finally {
                LOG.info(sluice.run("cluster", "stop"));
            }
        }
    }

    /** Steps of 300 events, with e-mail changes, paced so that they stream while the job runs. */
    private static void stream(EventWorkload workload, int steps) throws Exception {
        for (int step = 0; step < steps; step++) {
            workload.streamStep(300);
            if (step % 2 == 0) {
                workload.updateUserEmails(20);
            }
            Thread.sleep(300); // paces the workload
        }
    }

    private static ClickHouseConnection connect(TestServers servers, String database) {
        return new ClickHouseConnection(
                servers.clickhouse().url(),
                servers.clickhouse().user(),
                servers.clickhouse().password(),
                database);
    }

    /** The highest parallelism among the job's vertices, as the REST API reports it. */
    private static int parallelismOf(int rest, String job) throws Exception {
        String detail = ClusterChecks.get(rest, "/jobs/" + job);
        int max = 0;
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("\"parallelism\":(\\d+)").matcher(detail);
        while (m.find()) {
            max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max;
    }

    /** Every mirror and analytics table equal to SQL over Postgres, within 4 minutes. */
    private static void awaitExact(
            String phase, EventOracle oracle, Connection pg, ClickHouseConnection mirror)
            throws Exception {
        oracle.awaitExact(Duration.ofMinutes(4), () -> EventOracle.compareMirror(pg, mirror));
        LOG.info("{}: every mirror and analytics table equals SQL over Postgres", phase);
    }
}
