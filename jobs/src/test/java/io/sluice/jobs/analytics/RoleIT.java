package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.demo.DemoRole;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
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
 * The shipped role script ({@code sql/postgres/02_replication_role.sql}) run as it is, with only
 * its database name and password filled in ({@link DemoRole}, as {@code ./sluice demo} runs it):
 * the analytics job (mirror and analytics) then runs as that role, neither superuser nor owner of
 * any table, through the publication the tables' owner made, and every analytics table ends equal
 * to SQL over Postgres, after the snapshot and while it streams.
 */
class RoleIT {

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void theAnalyticsJobRunsAsTheShippedRoleAndEndsExact(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("role");
        String chDb = servers.clickhouse().newDatabase("role_mirror");
        String anDb = servers.clickhouse().newDatabase("role");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb)) {
            EventWorkload workload =
                    new EventWorkload(pg, 11, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables(); // the sample schema the script names, owned by the superuser
            workload.writeHistory(1_000);
            assertThat(DemoRole.statements(JobTestSupport.ROLE_SCRIPT))
                    .as("the shipped script's statements")
                    .anyMatch(st -> st.startsWith("CREATE ROLE " + DemoRole.ROLE + " "))
                    .anyMatch(st -> st.startsWith("CREATE PUBLICATION sluice "));
            Map<String, Object> settings = AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
            JobTestSupport.asShippedRole(pg, settings);
            assertThat(roleAttributes(pg))
                    .as("rolsuper, rolreplication")
                    .containsExactly(false, true);
            SluiceConfig config = SluiceConfig.of(settings);
            assertThatCode(() -> Preflight.check(config)).doesNotThrowAnyException();
            // Without restarts: a statement the role may not run must fail the test, not retry.
            JobClient job = AnalyticsJobIT.startWithoutRestarts(config, "role-it");
            try {
                EventOracle oracle = new EventOracle(pg, ch, AnalyticsTestSettings.PII_KEY);
                oracle.awaitExact(Duration.ofMinutes(3));
                workload.streamStep(300);
                workload.updateUserEmails(20);
                oracle.awaitExact(Duration.ofMinutes(3));
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /** rolsuper and rolreplication of the role, or null when it does not exist. */
    private static List<Boolean> roleAttributes(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT rolsuper, rolreplication FROM pg_roles WHERE rolname = '"
                                        + DemoRole.ROLE
                                        + "'")) {
            return rs.next() ? List.of(rs.getBoolean(1), rs.getBoolean(2)) : null;
        }
    }
}
