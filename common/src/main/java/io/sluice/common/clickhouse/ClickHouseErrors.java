package io.sluice.common.clickhouse;

import com.clickhouse.client.api.ServerException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * How a failed request of a {@link ClickHouseConnection} becomes a {@link ClickHouseException}: the
 * server error codes worth a retry, the message cut to its first line, and, for servers whose error
 * text the client cannot read, the server's own message asked for again over plain HTTP.
 */
final class ClickHouseErrors {
    /**
     * Server error codes worth a retry: overload, timeouts, network and keeper trouble. Every other
     * server error (syntax, unknown table or column, a value that does not parse) is final.
     */
    private static final Set<Integer> TRANSIENT_CODES =
            Set.of(3, 159, 164, 202, 203, 209, 210, 241, 242, 252, 319, 394, 425, 999);

    private final String url;
    private final String database;
    private final String user;
    private final String password;
    private final long requestTimeoutSeconds;

    ClickHouseErrors(
            String url, String database, String user, String password, long requestTimeoutSeconds) {
        this.url = url;
        this.database = database;
        this.user = user;
        this.password = password;
        this.requestTimeoutSeconds = requestTimeoutSeconds;
    }

    /**
     * The client cannot read the error text of servers before 19.x (it looks for the error code in
     * a header they do not send), so for a rejected statement without a code the statement is sent
     * once more over plain HTTP and the server's own message is read from that answer. Statements
     * are idempotent here: a query, DDL, or a versioned insert that was rejected.
     */
    ClickHouseException explain(String statement, byte[] data, ClickHouseException e) {
        if (e.retryable() || e.code() != 0) {
            return e;
        }
        try {
            String query = statement;
            java.net.http.HttpClient http =
                    java.net.http.HttpClient.newBuilder()
                            .connectTimeout(java.time.Duration.ofSeconds(10))
                            .build();
            java.net.URI uri =
                    java.net.URI.create(
                            url.replaceAll("/+$", "")
                                    + "/?database="
                                    + java.net.URLEncoder.encode(database, StandardCharsets.UTF_8)
                                    + (data == null
                                            ? ""
                                            : "&query="
                                                    + java.net.URLEncoder.encode(
                                                            query, StandardCharsets.UTF_8)));
            java.net.http.HttpRequest request =
                    java.net.http.HttpRequest.newBuilder(uri)
                            .header("X-ClickHouse-User", user)
                            .header("X-ClickHouse-Key", password)
                            .timeout(java.time.Duration.ofSeconds(requestTimeoutSeconds))
                            .POST(
                                    java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                                            data == null
                                                    ? statement.getBytes(StandardCharsets.UTF_8)
                                                    : data))
                            .build();
            java.net.http.HttpResponse<String> response =
                    http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
                return e;
            }
            String body = response.body().strip();
            java.util.regex.Matcher m =
                    java.util.regex.Pattern.compile("Code: (\\d+)").matcher(body);
            int code = m.find() ? Integer.parseInt(m.group(1)) : 0;
            return new ClickHouseException(
                    statement, code, firstLine(body), TRANSIENT_CODES.contains(code), e);
        } catch (IOException | RuntimeException ex) {
            e.addSuppressed(ex);
            return e;
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            return e;
        }
    }

    private static final java.util.regex.Pattern ERROR_NAME =
            java.util.regex.Pattern.compile("\\(([A-Z][A-Z0-9_]{2,})\\)");
    private static final java.util.regex.Pattern AT_ROW =
            java.util.regex.Pattern.compile("\\(at row (\\d+)\\)");

    /**
     * An insert's failure as it may be logged: the rows are personal data, and the server quotes
     * them (a syntax error shows the text after the statement, which is the rows; a value that does
     * not parse shows it and its neighbours). So only the statement (its column list, no rows), the
     * code, the kind of error, its name and the row number are kept, and no cause that holds the
     * server's text. A request that got no answer keeps its message and cause: they describe the
     * network, not the rows.
     */
    static ClickHouseException withoutRows(ClickHouseException e, int bytes) {
        boolean answered = e.code() != 0 || serverAnswered(e);
        if (!answered) {
            return e;
        }
        return new ClickHouseException(
                e.statement(),
                e.code(),
                withoutData(e.serverMessage())
                        + " (the rest of the server's message is not shown: it quotes the rows;"
                        + " "
                        + bytes
                        + " bytes of TabSeparated rows were sent)",
                e.retryable(),
                null);
    }

    private static boolean serverAnswered(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ServerException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The part of a server's error message that cannot hold a value: the kind of error (the text
     * after {@code DB::Exception:} up to the first colon, quote or parenthesis, as in {@code Syntax
     * error} or {@code Cannot parse input}), the error's name ({@code SYNTAX_ERROR}, newer servers
     * only) and the row it was found in.
     */
    static String withoutData(String serverMessage) {
        String text = serverMessage == null ? "" : serverMessage;
        int at = text.indexOf("DB::Exception: ");
        String kind = at < 0 ? text : text.substring(at + "DB::Exception: ".length());
        int end = Math.min(kind.length(), 120);
        for (char c : new char[] {':', '\'', '"', '`', '(', '\n', '\t'}) {
            int i = kind.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        StringBuilder sb = new StringBuilder(kind.substring(0, end).strip());
        String name = null;
        java.util.regex.Matcher m = ERROR_NAME.matcher(text);
        while (m.find()) {
            name = m.group(1);
        }
        if (name != null) {
            sb.append(" (").append(name).append(')');
        }
        m = AT_ROW.matcher(text);
        if (m.find()) {
            sb.append(" at row ").append(m.group(1));
        }
        return sb.toString();
    }

    static ClickHouseException translate(String statement, Throwable e) {
        if (e instanceof ClickHouseException ce) {
            return ce;
        }
        Throwable t = e;
        while (t != null) {
            if (t instanceof ServerException se) {
                int code = se.getCode();
                return new ClickHouseException(
                        statement,
                        code,
                        firstLine(se.getMessage()),
                        TRANSIENT_CODES.contains(code),
                        e);
            }
            t = t.getCause();
        }
        // No answer from the server: connection refused or reset, DNS, socket timeout.
        return new ClickHouseException(statement, 0, describe(e), true, e);
    }

    /**
     * Whether the server never answered the request because the connection was already closed (an
     * idle pooled connection it had dropped): Apache HttpClient's {@code NoHttpResponseException}.
     */
    static boolean unanswered(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().equals("NoHttpResponseException")) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(t.getClass().getSimpleName()).append(": ").append(firstLine(t.getMessage()));
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String m = message.strip();
        int cut = m.indexOf(", Stack trace");
        return cut > 0 ? m.substring(0, cut) : m;
    }
}
