package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Credentials in URLs and connection strings are hidden; everything else in the text stays. */
class RedactionTest {
    private static String redact(String text) {
        return Redaction.redact(text);
    }

    @Test
    void thePasswordOfAUrlsUserinfoIsHidden() {
        assertThat(redact("http://sluice:s3cret@ch.internal:8123"))
                .isEqualTo("http://sluice:***@ch.internal:8123");
        assertThat(redact("https://token123@ch.internal:8443/"))
                .isEqualTo("https://***@ch.internal:8443/");
        // An unencoded @ or : in the password is hidden with it.
        assertThat(redact("http://u:p@ss:w0rd@host:8123/?database=x"))
                .isEqualTo("http://u:***@host:8123/?database=x");
        assertThat(
                        redact(
                                "ClickHouse at http://u:pw@h:8123 (clickhouse.url) is unreachable: refused"))
                .isEqualTo(
                        "ClickHouse at http://u:***@h:8123 (clickhouse.url) is unreachable: refused");
    }

    @Test
    void passwordParametersAreHidden() {
        assertThat(redact("http://h:8123/?user=default&password=s3cret&database=sink"))
                .isEqualTo("http://h:8123/?user=default&password=***&database=sink");
        assertThat(redact("http://h:8123?password=s3cret")).isEqualTo("http://h:8123?password=***");
        assertThat(redact("http://h:8123/?PASSWORD=s3cret"))
                .isEqualTo("http://h:8123/?PASSWORD=***");
        assertThat(redact("password=s3cret")).isEqualTo("password=***");
        assertThat(redact("user=u pwd=s3cret, secret=x")).isEqualTo("user=u pwd=***, secret=***");
    }

    @Test
    void jdbcUrlsAreRedactedInEveryForm() {
        assertThat(redact("jdbc:postgresql://pg:5432/app?user=sluice&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://pg:5432/app?user=sluice&password=***&ssl=true");
        assertThat(redact("jdbc:postgresql://sluice:s3cret@pg:5432/app"))
                .isEqualTo("jdbc:postgresql://sluice:***@pg:5432/app");
        assertThat(redact("jdbc:clickhouse://u:s3cret@ch:8123/db"))
                .isEqualTo("jdbc:clickhouse://u:***@ch:8123/db");
        assertThat(
                        redact(
                                "jdbc:sqlserver://h:1433;databaseName=x;user=u;password=s3cret;encrypt=true"))
                .isEqualTo(
                        "jdbc:sqlserver://h:1433;databaseName=x;user=u;password=***;encrypt=true");
    }

    @Test
    void textWithoutCredentialsIsUnchanged() {
        for (String text :
                new String[] {
                    "http://localhost:8123",
                    "jdbc:postgresql://pg:5432/app",
                    "mail jane@example.com about http://h:8123/x",
                    "the password is wrong",
                    "http://h:8123/?query=a@b",
                    "",
                }) {
            assertThat(redact(text)).isEqualTo(text);
        }
        assertThat(redact(null)).isNull();
    }
}
