package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real Postgres of each major the tests use (14 to 17) starts from the Maven binaries with what
 * CDC needs, and stops.
 */
class PostgresServerIT {
    @TempDir Path home;

    @ParameterizedTest(name = "Postgres {0}")
    @ValueSource(ints = {14, 15, 16, 17})
    void startsWithLogicalDecodingAndStops(int major) throws Exception {
        PostgresServer pg = PostgresServer.start(home, 0, Map.of(), home.resolve("pg-bin"), major);
        try (pg) {
            assertThat(pg.version()).startsWith(major + ".");
            assertThat(Files.isExecutable(pg.binDir().resolve("pg_ctl"))).isTrue();
            try (Connection c =
                            DriverManager.getConnection(
                                    pg.jdbcUrl("postgres"), pg.user(), pg.password());
                    Statement st = c.createStatement()) {
                try (ResultSet rs = st.executeQuery("SHOW wal_level")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("logical");
                }
                try (ResultSet rs =
                        st.executeQuery(
                                "SELECT slot_name FROM pg_create_logical_replication_slot('kit_slot', 'pgoutput')")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("kit_slot");
                }
                st.execute("SELECT pg_drop_replication_slot('kit_slot')");
            }
            // Another process finds the running server through its postmaster.pid.
            assertThat(PostgresServer.running(home))
                    .hasValueSatisfying(
                            found -> {
                                assertThat(found.port()).isEqualTo(pg.port());
                                assertThat(found.binDir()).isEqualTo(pg.binDir());
                            });
        }
        assertThat(PostgresServer.running(home)).isEmpty();
        assertThat(Processes.portInUse(pg.port())).isFalse();
    }

    @Test
    void aMajorWithoutBinariesFailsAndSaysWhichExist() {
        assertThatThrownBy(
                        () -> PostgresServer.start(home, 0, Map.of(), home.resolve("pg-bin"), 13))
                .hasMessageContaining("no Postgres 13 binaries in the testkit")
                .hasMessageContaining("[14, 15, 16, 17]");
        assertThatThrownBy(() -> TestServers.postgres(13))
                .hasMessageContaining("no Postgres 13 binaries in the testkit");
    }

    @Test
    void restartsOnItsDataAndCreatesDatabasesIdempotently() {
        int port;
        try (PostgresServer pg = PostgresServer.start(home, 0)) {
            port = pg.port();
            pg.createDatabase("app");
            pg.createDatabase("app");
        }
        try (PostgresServer again = PostgresServer.start(home, port)) {
            again.createDatabase("app");
            assertThat(again.port()).isEqualTo(port);
        }
    }

    @Test
    void aBusyPortIsReportedPlainly() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertThatThrownBy(() -> PostgresServer.start(home, port))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage(
                            "Postgres cannot start: port "
                                    + port
                                    + " on 127.0.0.1 is already in use by another program");
        }
    }
}
