package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobID;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stop-with-savepoint of the analytics job right after its snapshot, as the benchmark does it,
 * several times over: every stop must finish the job. Stopping at that moment used to end in about
 * one run of three in {@code StopWithSavepointStoppingException} ("savepoint created, but a task
 * failed while stopping"): see {@link JobRunner#awaitStreaming}.
 */
class StopWithSavepointIT {
    private static final int CYCLES =
            Integer.parseInt(System.getenv().getOrDefault("SLUICE_SWS_CYCLES", "6"));
    private static final int EVENTS = 3_000;

    @Test
    void analyticsJobStopsCleanlyRightAfterItsSnapshot(@TempDir Path work) throws Exception {
        TestServers servers = TestServers.get();
        List<String> failures = new ArrayList<>();
        try (JobRunner runner = new JobRunner(work, 2)) {
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                String pgDb = servers.postgres().newDatabase("sws");
                try (Connection pg = Ceilings.connect(servers, pgDb);
                        Statement st = pg.createStatement()) {
                    st.execute(
                            Files.readString(
                                    Path.of(Bench.root(), "sql", "postgres", "01_schema.sql")));
                    st.execute(
                            "INSERT INTO events (event_id, user_id, occurred_at, event_name,"
                                    + " properties) SELECT md5(i::text)::uuid, i % 10000,"
                                    + " now() - interval '2 days' + i * interval '1 second',"
                                    + " (ARRAY['page_view','click','search','signup'])[1 + i % 4],"
                                    + " jsonb_build_object('plan', 'free', 'path', '/p/' || (i % 100))"
                                    + " FROM generate_series(1, "
                                    + EVENTS
                                    + ") i");
                }
                SluiceConfig config = Bench.config(servers, pgDb, "sws" + cycle, 2, 1_000);
                MirrorSetup.prepare(config);
                AnalyticsSetup.prepare(config);
                String events = config.get(AnalyticsOptions.DATABASE) + ".events";

                long t0 = System.nanoTime();
                JobID job =
                        runner.submit(
                                "sws-" + cycle,
                                config,
                                true,
                                null,
                                null,
                                work.resolve("cp-" + cycle),
                                JobOptions.StateBackend.HASHMAP);
                // The moment the benchmark stops the job: its snapshot has landed.
                JobRunner.awaitCount(
                        () -> Ceilings.count(servers, events), EVENTS, t0, Duration.ofMinutes(5));
                try {
                    String savepoint = runner.stopWithSavepoint(job, config);
                    System.out.printf(
                            "[sws] cycle %d stopped %.1f s after its start: %s%n",
                            cycle, Ceilings.seconds(t0), savepoint);
                } catch (Exception e) {
                    System.out.printf(
                            "[sws] cycle %d FAILED %.1f s after its start: %s%n",
                            cycle, Ceilings.seconds(t0), ExceptionUtils.stringifyException(e));
                    failures.add("cycle " + cycle + ": " + e);
                    try {
                        runner.cancel(job);
                    } catch (Exception alreadyOver) {
                        // the failed stop may have ended the job already
                    }
                }
            }
        }
        assertThat(failures).isEmpty();
    }
}
