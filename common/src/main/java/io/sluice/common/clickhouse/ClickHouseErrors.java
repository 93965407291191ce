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
