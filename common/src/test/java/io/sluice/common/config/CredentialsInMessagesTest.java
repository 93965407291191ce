package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Where a configured URL reaches a message (the configuration's own log form, a refused value, the
 * preflight's problems), its credentials do not. The preflight runs against ports nothing listens
 * on, so both servers refuse at once.
 */
class CredentialsInMessagesTest {
    private static final String SECRET = "s3cret-pw";

    private static Map<String, Object> settings(String clickHouseUrl, int pgPort) {
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.HOST.key(), "127.0.0.1");
        v.put(PostgresSourceOptions.PORT.key(), pgPort);
        v.put(PostgresSourceOptions.DATABASE.key(), "app");
        v.put(PostgresSourceOptions.USER.key(), "sluice");
        v.put(PostgresSourceOptions.PASSWORD.key(), SECRET);
        v.put(PostgresSourceOptions.TABLES.key(), List.of("users"));
        v.put(ClickHouseSinkOptions.URL.key(), clickHouseUrl);
        v.put(ClickHouseSinkOptions.DATABASE.key(), "sink");
        return v;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort(); // free once closed: connections are refused
        }
    }

    @Test
    void theConfigurationsLogFormHidesTheUrlsCredentials() {
        SluiceConfig config =
                SluiceConfig.of(settings("http://sluice:" + SECRET + "@ch:8123", 5432));

        assertThat(config.toString()).contains("http://sluice:***@ch:8123").doesNotContain(SECRET);
    }

    @Test
    void aRefusedUrlIsQuotedWithoutItsCredentials() {
        Throwable e =
                catchThrowable(
                        () ->
                                SluiceConfig.of(
                                        settings(
                                                "http://sluice:" + SECRET + "@ch:8123/db?x=1",
                                                5432)));

        assertThat(e).isInstanceOf(ConfigException.class);
        assertThat(e.getMessage()).contains("http://sluice:***@ch:8123/db").doesNotContain(SECRET);
    }

    @Test
    void thePreflightsProblemsHideTheUrlsCredentials() throws IOException {
        int port = closedPort();
        SluiceConfig config =
                SluiceConfig.of(
                        settings(
                                "http://sluice:"
                                        + SECRET
                                        + "@127.0.0.1:"
                                        + port
                                        + "?password="
                                        + SECRET,
                                port));

        Throwable e = catchThrowable(() -> Preflight.check(config));

        assertThat(e).isInstanceOf(ConfigException.class);
        assertThat(e.getMessage())
                .contains("ClickHouse at http://sluice:***@127.0.0.1:" + port + "?password=***")
                .contains("cannot connect to Postgres")
                .doesNotContain(SECRET);
    }
}
