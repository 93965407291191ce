package io.sluice.jobs.analytics;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.FrozenClickHouse;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
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
 * The analytics job while ClickHouse is frozen for 20 s and events stream: its checkpoints go on
 * completing (event rows and the rollup batches of completed checkpoints wait in the sink's state),
 * and afterwards every analytics table equals SQL over Postgres.
 */
class AnalyticsOutageIT {
    private static final Duration OUTAGE = Duration.ofSeconds(20);

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void checkpointsCompleteWhileClickHouseIsFrozenAndTheRollupsEndExact(
            @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("anoutage");
        String chDb = servers.clickhouse().newDatabase("anoutage_mirror");
        String anDb = servers.clickhouse().newDatabase("anoutage");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb)) {
            EventWorkload workload =
                    new EventWorkload(pg, 42, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(2_000);
            Map<String, Object> settings =
                    signupCohorts(AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp));
            JobTestSupport.asShippedRole(pg, settings); // not a superuser (docs/security.md)
            SluiceConfig config = SluiceConfig.of(settings);
            // Without restarts: a failure during the outage must show, not heal.
            JobClient job = AnalyticsJobIT.startWithoutRestarts(config, "analytics-outage");
            try {
                EventOracle oracle =
                        new EventOracle(pg, ch, AnalyticsTestSettings.PII_KEY).bySignup();
                oracle.awaitExact(Duration.ofMinutes(3));
                FrozenClickHouse.checkpointsWhileFrozen(
                        servers.clickhouse(),
                        OUTAGE,
                        cluster,
                        job,
                        3,
                        round -> {
                            workload.streamStep(300);
                            workload.updateUserEmails(20); // moves some signups too
                        });
                oracle.awaitExact(Duration.ofMinutes(3));
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /**
     * This test also runs retention by signup (users.created_at, some moved while it runs), the
     * other ITs by first event.
     */
    private static Map<String, Object> signupCohorts(Map<String, Object> settings) {
        settings.put(
                ProductAnalyticsOptions.RETENTION_COHORT_BY.key(),
                ProductAnalyticsOptions.CohortBy.SIGNUP);
        return settings;
    }
}
