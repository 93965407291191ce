package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The per-JVM servers that the other modules' integration tests use. */
class TestServersIT {
    @Test
    void oneRunningPairPerJvmWithFreshDatabases() throws Exception {
        TestServers servers = TestServers.get();
        assertThat(TestServers.get()).isSameAs(servers);

        String pgDb = servers.postgres().newDatabase("kit");
        assertThat(servers.postgres().newDatabase("kit")).isNotEqualTo(pgDb);
        try (Connection c =
                        DriverManager.getConnection(
                                servers.postgres().jdbcUrl(pgDb),
                                servers.postgres().user(),
                                servers.postgres().password());
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(pgDb);
        }

        String chDb = servers.clickhouse().newDatabase("kit");
        assertThat(
                        servers.clickhouse()
                                .query(
                                        "SELECT count() FROM system.databases WHERE name = '"
                                                + chDb
                                                + "'"))
                .isEqualTo("1\n");
        assertThat(servers.clickhouse().version()).matches("\\d.*");
        assertThat(servers.clickhouse(ClickHouseEngine.LEGACY)).isSameAs(servers.clickhouse());
    }

    @Test
    void theModernClickHouseStartsOnFirstUseWithTheSameApi() {
        TestClickHouse modern = TestServers.get().clickhouse(ClickHouseEngine.MODERN);
        assertThat(TestServers.get().clickhouse(ClickHouseEngine.MODERN)).isSameAs(modern);
        assertThat(modern.engine()).isEqualTo(ClickHouseEngine.MODERN);
        assertThat(modern.url()).isNotEqualTo(TestServers.get().clickhouse().url());
        System.out.println("TestServersIT on " + modern.describe());
        assertThat(modern.version()).startsWith("26.");
        String db = modern.newDatabase("kit");
        assertThat(modern.query("SELECT count() FROM system.databases WHERE name = '" + db + "'"))
                .isEqualTo("1\n");
    }

    @Test
    void onePostgresPerMajorPerJvm() {
        TestPostgres pg16 = TestServers.postgres(16);
        assertThat(TestServers.postgres(16)).isSameAs(pg16);
        assertThat(pg16.serverVersion()).startsWith("16.");
        // A restart (LifecycleIT's) brings back the same major on the same port.
        int port = pg16.port();
        pg16.restart();
        assertThat(pg16.serverVersion()).startsWith("16.");
        assertThat(pg16.port()).isEqualTo(port);
        assertThat(TestServers.get().withPostgres(16).postgres()).isSameAs(pg16);
        assertThat(TestServers.postgres(TestServers.DEFAULT_POSTGRES_MAJOR))
                .isSameAs(TestServers.get().postgres());
    }
}
