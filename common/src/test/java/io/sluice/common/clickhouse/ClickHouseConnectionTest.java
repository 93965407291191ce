package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the connection sends over HTTP, read from a stand-in server: the statement text exactly as
 * the ClickHouse client builds it from what the connection hands it.
 */
class ClickHouseConnectionTest {
    /** One request the stand-in server received. */
    record Request(String query, String body) {}

    private final List<Request> requests = new ArrayList<>();
    private HttpServer server;
    private ClickHouseConnection connection;

    /** What the server answers: status, body, and the error code header (0: none). */
    private int status = 200;

    private String answer = "";
    private int errorCode;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        connection =
                new ClickHouseConnection(
                        "http://127.0.0.1:" + server.getAddress().getPort(), "default", "", "sink");
    }

    @AfterEach
    void stopServer() {
        connection.close();
        server.stop(0);
    }

    private synchronized void handle(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String query = null;
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String p : raw.split("&")) {
                if (p.startsWith("query=")) {
                    query = URLDecoder.decode(p.substring(6), StandardCharsets.UTF_8);
                }
            }
        }
        requests.add(new Request(query, body));
        byte[] out = answer.getBytes(StandardCharsets.UTF_8);
        if (errorCode != 0) {
            exchange.getResponseHeaders().add("X-ClickHouse-Exception-Code", "" + errorCode);
        }
        exchange.sendResponseHeaders(status, out.length == 0 ? -1 : out.length);
        if (out.length > 0) {
            exchange.getResponseBody().write(out);
        }
        exchange.close();
    }

    @Test
    void theInsertStatementNamesEveryColumnQuoted() {
        List<String> columns = new ArrayList<>(ClickHouseSqlTest.HOSTILE);
        columns.add("_lsn");

        connection.insertTsv("order", columns, "1\tx\n".getBytes(StandardCharsets.UTF_8));

        assertThat(requests).hasSize(1);
        String sent = requests.get(0).query();
        List<String> expected = new ArrayList<>(List.of("sink", "order"));
        expected.addAll(columns);
        assertThat(ClickHouseSqlTest.quotedNames(sent)).containsExactlyElementsOf(expected);
        assertThat(sent).startsWith("INSERT INTO `sink`.`order` (`order note`, ");
        assertThat(requests.get(0).body()).isEqualTo("1\tx\n");
    }
}
