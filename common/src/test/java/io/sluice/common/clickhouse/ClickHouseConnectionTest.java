package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
 * What the connection sends over HTTP and makes of the answers, against a stand-in server: the
 * statement text exactly as the ClickHouse client builds it from what the connection hands it, and
 * a rejected insert's error as it would reach the log.
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

        // Before it, the connection asked once whether the server knows precise_float_parsing.
        List<Request> inserts =
                requests.stream()
                        .filter(r -> r.query() != null && r.query().startsWith("INSERT"))
                        .toList();
        assertThat(inserts).hasSize(1);
        assertThat(requests).hasSize(2);
        String sent = inserts.get(0).query();
        List<String> expected = new ArrayList<>(List.of("sink", "order"));
        expected.addAll(columns);
        assertThat(ClickHouseSqlTest.quotedNames(sent)).containsExactlyElementsOf(expected);
        assertThat(sent).startsWith("INSERT INTO `sink`.`order` (`order note`, ");
        assertThat(inserts.get(0).body()).isEqualTo("1\tx\n");
    }

    private static final String SECRET = "jane.doe@example.com";
    private static final byte[] ROWS =
            ("1\t" + SECRET + "\tsecond value\n").getBytes(StandardCharsets.UTF_8);

    /** As 24.8 answers an insert whose column list does not parse (it goes on into the rows). */
    private static final String MODERN_SYNTAX_ERROR =
            "Code: 62. DB::Exception: Syntax error: failed at position 45 (note): note) FORMAT"
                    + " TabSeparated 1\t"
                    + SECRET
                    + "\tsecond value . Expected one of: token, Comma, ClosingRoundBracket."
                    + " (SYNTAX_ERROR) (version 24.8.4.13 (official build))\n";

    /** As 18.16 answers a value that does not parse (it quotes the row). */
    private static final String LEGACY_PARSE_ERROR =
            "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: "
                    + SECRET
                    + "\\tsecond value\\n: (at row 1)\n\nRow 1:\nColumn 0,   name: id,   type:"
                    + " Int64,  parsed text: \"1\"\nColumn 1,   name: n,   type: Int64,  parsed"
                    + " text: \""
                    + SECRET
                    + "\"ERROR\n, e.what() = DB::Exception\n";

    @Test
    void aRejectedInsertIsReportedWithoutItsRows() {
        status = 500;
        errorCode = 62;
        answer = MODERN_SYNTAX_ERROR;

        ClickHouseException e =
                catchThrowableOfType(
                        () -> connection.insertTsv("order", List.of("id", "note"), ROWS),
                        ClickHouseException.class);

        assertThat(e.code()).isEqualTo(62);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage())
                .contains("(code 62): Syntax error (SYNTAX_ERROR)")
                .contains(
                        "statement: INSERT INTO `sink`.`order` (`id`, `note`) FORMAT TabSeparated")
                .contains(ROWS.length + " bytes");
        assertThat(logged(e)).doesNotContain(SECRET).doesNotContain("second value");
    }

    @Test
    void aLegacyServersRejectionIsReportedWithoutItsRows() {
        // 18.16 sends no error code header: the connection asks again over plain HTTP.
        status = 500;
        answer = LEGACY_PARSE_ERROR;

        ClickHouseException e =
                catchThrowableOfType(
                        () -> connection.insertTsv("order", List.of("id", "n"), ROWS),
                        ClickHouseException.class);

        assertThat(requests).hasSizeGreaterThanOrEqualTo(2); // the insert, then the explanation
        assertThat(e.code()).isEqualTo(27);
        assertThat(e.getMessage()).contains("(code 27): Cannot parse input at row 1");
        assertThat(logged(e)).doesNotContain(SECRET).doesNotContain("second value");
    }

    @Test
    void theKindOfErrorIsKeptAndNoValue() {
        assertThat(ClickHouseErrors.withoutData(MODERN_SYNTAX_ERROR))
                .isEqualTo("Syntax error (SYNTAX_ERROR)");
        assertThat(
                        ClickHouseErrors.withoutData(
                                "Code: 6. DB::Exception: Cannot parse string '"
                                        + SECRET
                                        + "' as Int64: syntax error at begin of string.: (at row"
                                        + " 3) (CANNOT_PARSE_TEXT) (version 23.8.1.1)"))
                .isEqualTo("Cannot parse string (CANNOT_PARSE_TEXT) at row 3");
    }

    /** The exception as a log line with its stack trace prints it: causes and suppressed too. */
    private static String logged(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
