package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The connection on both ClickHouse engines: unqualified names resolve in the configured database,
 * the version gates read the server, and a rejected statement fails with the server's code.
 */
class ClickHouseConnectionIT {
    private static TestClickHouse server(ClickHouseEngine engine) {
        TestClickHouse ch = TestServers.get().clickhouse(engine);
        System.out.println("ClickHouseConnectionIT on " + ch.describe());
        return ch;
    }

    private static ClickHouseConnection connect(TestClickHouse ch, String db) {
        return new ClickHouseConnection(ch.url(), ch.user(), ch.password(), db);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void unqualifiedNamesResolveInTheConfiguredDatabase(ClickHouseEngine engine) {
        TestClickHouse ch = server(engine);
        String db = ch.newDatabase("conn");
        try (ClickHouseConnection c = connect(ch, db)) {
            assertThat(c.queryValue("SELECT currentDatabase()")).isEqualTo(db);
            c.execute("CREATE TABLE t (k UInt32, s String) ENGINE = MergeTree ORDER BY k");
            c.insertTsv("t", List.of("k", "s"), "1\tone\n".getBytes(StandardCharsets.UTF_8));
            assertThat(c.queryValue("SELECT s FROM t WHERE k = 1")).isEqualTo("one");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void versionGatesFollowTheServer(ClickHouseEngine engine) {
        TestClickHouse ch = server(engine);
        try (ClickHouseConnection c = connect(ch, "default")) {
            ServerVersion v = c.serverVersion();
            boolean modern = engine == ClickHouseEngine.MODERN;
            assertThat(v.toString()).startsWith(modern ? "26." : "18.");
            assertThat(v.hasDateTime64()).isEqualTo(modern);
            assertThat(v.hasLowCardinality()).isEqualTo(modern);
            assertThat(v.hasTableTtl()).isEqualTo(modern);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void aRejectedStatementFailsWithTheServersCode(ClickHouseEngine engine) {
        TestClickHouse ch = server(engine);
        try (ClickHouseConnection c = connect(ch, "default")) {
            assertThatThrownBy(() -> c.query("SELECT * FROM no_such_table_here"))
                    .isInstanceOfSatisfying(
                            ClickHouseException.class,
                            e -> {
                                assertThat(e.code()).isEqualTo(60); // UNKNOWN_TABLE
                                assertThat(e.retryable()).isFalse();
                            })
                    .hasMessageContaining("no_such_table_here");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void decimalsKeepTheirScaleOnEveryVersion(ClickHouseEngine engine) {
        TestClickHouse ch = server(engine);
        try (ClickHouseConnection c = connect(ch, "default")) {
            // As Postgres prints numeric(10,2): 26.7 would print 11.5 and 2 by default.
            assertThat(c.query("SELECT toDecimal64(11.5, 2), toDecimal32(2, 2)"))
                    .containsExactly(List.of("11.50", "2.00"));
        }
    }
}
