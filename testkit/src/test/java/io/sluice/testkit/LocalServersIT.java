package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The servers start for real, do what Sluice needs, and say plainly why when they cannot. */
class LocalServersIT {
    @Test
    void postgresHasLogicalDecodingAndClickHouseHasReplacingMergeTree() throws Exception {
        TestServers servers = TestServers.get();
        String db = servers.postgres().newDatabase("kit");
        try (Connection c = DriverManager.getConnection(servers.postgres().jdbcUrl(db), servers.postgres().user(), servers.postgres().password());
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("logical");
            }
            st.execute("SELECT pg_create_logical_replication_slot('kit_slot_" + db + "', 'pgoutput')");
            st.execute("SELECT pg_drop_replication_slot('kit_slot_" + db + "')");
        }
        String ch = servers.clickhouse().newDatabase("kit");
        servers.clickhouse().query("CREATE TABLE " + ch + ".t (k UInt32, v String, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY k");
        servers.clickhouse().query("INSERT INTO " + ch + ".t VALUES (1, 'old', 1), (1, 'new', 2), (2, 'x', 1)");
        assertThat(servers.clickhouse().query("SELECT k, v FROM " + ch + ".t FINAL ORDER BY k")).isEqualTo("1\tnew\n2\tx\n");
        assertThat(servers.clickhouse().version()).matches("\\d+\\..*");
    }

    @Test
    void aBusyPortIsReportedWithTheSettingToChange() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertThatThrownBy(() -> PostgresServer.start(Path.of("target", "busy-pg"), port))
                    .hasMessageContaining("port " + port + " on 127.0.0.1 is already in use")
                    .hasMessageContaining("SLUICE_PG_PORT");
            assertThatThrownBy(() -> ClickHouseServer.start(Path.of("target", "busy-ch"), port, 0))
                    .hasMessageContaining("port " + port + " on 127.0.0.1 is already in use");
        }
    }
}
