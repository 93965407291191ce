package io.sluice.common.clickhouse;

import io.sluice.common.config.Redaction;

/**
 * A ClickHouse statement failed. Carries the statement (cut to a readable length), the server's
 * error code and message, and whether retrying may help (network trouble, overload) or not (a bad
 * type, a missing table). The message has the credentials of any URL in it hidden ({@link
 * Redaction}): the client names the endpoint when it cannot reach it.
 */
public class ClickHouseException extends RuntimeException {
    private final String statement;
    private final int code;
    private final String serverMessage;
    private final boolean retryable;

    public ClickHouseException(
            String statement, int code, String serverMessage, boolean retryable, Throwable cause) {
        super(
                "ClickHouse "
                        + (retryable ? "transient failure" : "rejected the statement")
                        + (code > 0 ? " (code " + code + ")" : "")
                        + ": "
                        + Redaction.redact(serverMessage)
                        + "\n  statement: "
                        + abbreviate(statement),
                cause);
        this.statement = statement;
        this.code = code;
        this.serverMessage = Redaction.redact(serverMessage);
        this.retryable = retryable;
    }

    /** The statement that failed (without the rows of an insert). */
    public String statement() {
        return statement;
    }

    /** The server's error code, or 0 when the request never got an answer. */
    public int code() {
        return code;
    }

    /** What the server (or, without an answer, the client) said. */
    public String serverMessage() {
        return serverMessage;
    }

    public boolean retryable() {
        return retryable;
    }

    static String abbreviate(String statement) {
        String s = statement.strip();
        return s.length() <= 2000 ? s : s.substring(0, 2000) + " ... (" + s.length() + " chars)";
    }
}
