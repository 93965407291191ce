package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClickHouse 26.7 (chDB behind chdb-http.js) starts privately, answers the part of ClickHouse's
 * HTTP interface Sluice uses, keeps its tables across queries and restarts, and stops.
 */
class ChdbServerIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir Path home;

    @Test
    void replacingMergeTreeKeepsTheLatestVersionAcrossQueriesAndRestarts() {
        int port;
        ChdbServer ch = ChdbServer.start(home, 0);
        try (ch) {
            port = ch.httpPort();
            System.out.println("ChdbServerIT on ClickHouse " + ch.version() + " (chDB)");
            assertThat(ch.version()).startsWith("26.");
            ch.query("CREATE DATABASE kit");
            ch.query(
                    "CREATE TABLE kit.t (k UInt32, s String, v UInt64)"
                            + " ENGINE = ReplacingMergeTree(v) ORDER BY k");
            ch.query("INSERT INTO kit.t FORMAT TabSeparated\n1\told\t1\n2\tx\t1\n");
            ch.query("INSERT INTO kit.t FORMAT TabSeparated\n1\tnew\t2\n");
            assertThat(ch.query("SELECT k, s, v FROM kit.t FINAL ORDER BY k"))
                    .isEqualTo("1\tnew\t2\n2\tx\t1\n");
            // LowCardinality needs no setting on 26.7.
            assertThat(ch.query("SELECT toTypeName(toLowCardinality('a'))"))
                    .isEqualTo("LowCardinality(String)\n");
            assertThat(ChdbServer.running(home))
                    .hasValueSatisfying(found -> assertThat(found.pid()).isEqualTo(ch.pid()));
        }
        assertThat(ch.ping()).isFalse();
        assertThat(ChdbServer.running(home)).isEmpty();
        try (ChdbServer again = ChdbServer.start(home, port)) {
            assertThat(again.query("SELECT s FROM kit.t FINAL WHERE k = 1")).isEqualTo("new\n");
        }
    }

    @Test
    void speaksClickHouseHttp() throws Exception {
        try (ChdbServer ch = ChdbServer.start(home, 0)) {
            ch.query("CREATE DATABASE web");
            ch.query("CREATE TABLE web.t (k UInt32, s String) ENGINE = MergeTree ORDER BY k");
            // The statement in the URL, its data in the body; the database as a parameter.
            HttpResponse<String> insert =
                    post(
                            ch,
                            "database=web&query="
                                    + URLEncoder.encode(
                                            "INSERT INTO t (k, s) FORMAT TabSeparated",
                                            StandardCharsets.UTF_8),
                            "1\tä\n2\tb\\tc\n");
            assertThat(insert.statusCode()).isEqualTo(200);
            // A setting as a URL parameter applies to its request only.
            HttpResponse<String> select =
                    post(
                            ch,
                            "database=web&max_execution_time=7",
                            "SELECT k, s, getSetting('max_execution_time') FROM t ORDER BY k");
            assertThat(select.statusCode()).isEqualTo(200);
            assertThat(select.body()).isEqualTo("1\tä\t7\n2\tb\\tc\t7\n");
            assertThat(select.headers().firstValue("X-ClickHouse-Format")).hasValue("TabSeparated");
            assertThat(select.headers().firstValue("X-ClickHouse-Summary"))
                    .hasValueSatisfying(v -> assertThat(v).contains("\"read_rows\":\"2\""));
            assertThat(post(ch, "", "SELECT getSetting('max_execution_time')").body())
                    .isEqualTo("0\n");
            assertThat(post(ch, "param_who=bob", "SELECT concat('hi ', {who:String})").body())
                    .isEqualTo("hi bob\n");
            assertThat(post(ch, "", "SELECT 1 AS x FORMAT JSONEachRow").body())
                    .isEqualTo("{\"x\":1}\n");
            assertThat(
                            HTTP.send(
                                            HttpRequest.newBuilder(
                                                            URI.create(ch.httpUrl() + "/ping"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .body())
                    .isEqualTo("Ok.\n");
        }
    }

    @Test
    void errorsCarryTheCodeHeaderAndTheServersMessage() throws Exception {
        try (ChdbServer ch = ChdbServer.start(home, 0)) {
            HttpResponse<String> missing = post(ch, "", "SELECT * FROM default.no_such_table");
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("60");
            assertThat(missing.body())
                    .startsWith("Code: 60. DB::Exception: ")
                    .contains("no_such_table")
                    .endsWith("(version " + ch.version() + ")\n");
            // The experimental setting 18.16 needs for LowCardinality is gone in 26.7.
            HttpResponse<String> setting =
                    post(ch, "allow_experimental_low_cardinality_type=1", "SELECT 1");
            assertThat(setting.statusCode()).isEqualTo(404);
            assertThat(setting.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("115");
            HttpResponse<String> syntax = post(ch, "", "SELEC 1");
            assertThat(syntax.statusCode()).isEqualTo(400);
            assertThat(syntax.headers().firstValue("X-ClickHouse-Exception-Code")).hasValue("62");
            // A bare expression is no query on a server (clickhouse-local would run it).
            assertThat(post(ch, "", "1 + 1").headers().firstValue("X-ClickHouse-Exception-Code"))
                    .hasValue("62");
            HttpResponse<String> compressed = post(ch, "compress=1", "SELECT 1");
            assertThat(compressed.statusCode()).isEqualTo(501);
            assertThat(compressed.headers().firstValue("X-ClickHouse-Exception-Code"))
                    .hasValue("48");
            // The testkit's client sees an error as one, with the server's message.
            assertThatThrownBy(() -> ch.query("SELECT * FROM default.no_such_table"))
                    .hasMessageContaining("answered 404")
                    .hasMessageContaining("Code: 60.");
            assertThat(ch.query("SELECT 1")).isEqualTo("1\n");
        }
    }

    private static HttpResponse<String> post(ChdbServer ch, String params, String body)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(ch.httpUrl() + "/?" + params))
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
