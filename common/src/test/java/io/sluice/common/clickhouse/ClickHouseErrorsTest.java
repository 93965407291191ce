package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;

/** Which failures a read is sent again for. */
class ClickHouseErrorsTest {
    @Test
    void anUnansweredRequestOnAClosedPooledConnectionIsRecognised() {
        // As client-v2 wraps it: the client's exception around HttpClient's.
        ClickHouseException stale =
                ClickHouseErrors.translate(
                        "SELECT 1",
                        new RuntimeException(
                                "Query request failed",
                                new NoHttpResponseException("127.0.0.1:8123 failed to respond")));
        assertThat(ClickHouseErrors.unanswered(stale)).isTrue();
        assertThat(stale.retryable()).isTrue();
    }

    @Test
    void otherFailuresAreNotSentAgain() {
        assertThat(
                        ClickHouseErrors.unanswered(
                                ClickHouseErrors.translate(
                                        "SELECT 1", new ConnectException("Connection refused"))))
                .isFalse();
        assertThat(
                        ClickHouseErrors.unanswered(
                                ClickHouseErrors.translate(
                                        "SELECT 1", new IOException("Read timed out"))))
                .isFalse();
    }
}
