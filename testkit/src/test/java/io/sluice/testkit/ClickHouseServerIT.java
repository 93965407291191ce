package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The machine's clickhouse-server starts privately, does what Sluice needs, and stops. */
class ClickHouseServerIT {
    @TempDir Path home;

    @Test
    void replacingMergeTreeKeepsTheLatestVersion() {
        ClickHouseServer ch = ClickHouseServer.start(home, 0, 0);
        try (ch) {
            assertThat(ch.version()).matches("\\d.*");
            ch.query("CREATE DATABASE kit");
            ch.query(
                    "CREATE TABLE kit.t (k UInt32, s String, v UInt64) ENGINE = ReplacingMergeTree(v) ORDER BY k");
            ch.query("INSERT INTO kit.t VALUES (1, 'old', 1), (2, 'x', 1)");
            ch.query("INSERT INTO kit.t VALUES (1, 'new', 2)");
            assertThat(ch.query("SELECT k, s, v FROM kit.t FINAL ORDER BY k"))
                    .isEqualTo("1\tnew\t2\n2\tx\t1\n");
            // users.xml's profile enables LowCardinality, experimental in 18.16.
            assertThat(ch.query("SELECT toTypeName(toLowCardinality('a'))"))
                    .isEqualTo("LowCardinality(String)\n");
            assertThat(ClickHouseServer.running(home))
                    .hasValueSatisfying(found -> assertThat(found.pid()).isEqualTo(ch.pid()));
        }
        assertThat(ch.ping()).isFalse();
        assertThat(ClickHouseServer.running(home)).isEmpty();
    }

    @Test
    void aRejectedQueryThrowsTheServersMessage() {
        try (ClickHouseServer ch = ClickHouseServer.start(home, 0, 0)) {
            assertThatThrownBy(() -> ch.query("SELECT * FROM no_such_table"))
                    .hasMessageContaining("answered 404")
                    .hasMessageContaining("no_such_table");
        }
    }

    @Test
    void aBusyPortIsReportedPlainly() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertThatThrownBy(() -> ClickHouseServer.start(home, 0, port))
                    .isInstanceOf(PortInUseException.class)
                    .hasMessage(
                            "ClickHouse cannot start: port "
                                    + port
                                    + " on 127.0.0.1 is already in use by another program");
        }
    }
}
