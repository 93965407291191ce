package io.sluice.jobs.preflight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.testkit.PostgresServer;
import io.sluice.testkit.TestServers;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad configuration fails before the job starts, with one message that says what to fix. */
class PreflightIT {
    private static TestServers servers;
    private static String pgDb;
    private static String chDb;

    @BeforeAll
    static void createSchema() throws Exception {
        servers = TestServers.get();
        pgDb = servers.postgres().newDatabase("preflight");
        chDb = servers.clickhouse().newDatabase("preflight");
        try (Connection pg =
                        DriverManager.getConnection(
                                servers.postgres().jdbcUrl(pgDb),
                                servers.postgres().user(),
                                servers.postgres().password());
                Statement st = pg.createStatement()) {
            st.execute("CREATE TABLE users (user_id bigint PRIMARY KEY, email text)");
            st.execute("CREATE TABLE audit_log (at timestamptz, line text)");
            st.execute("CREATE TABLE silent (id bigint PRIMARY KEY)");
            st.execute("ALTER TABLE silent REPLICA IDENTITY NOTHING");
            st.execute("CREATE TABLE by_code (id bigint PRIMARY KEY, code text NOT NULL UNIQUE)");
            st.execute("ALTER TABLE by_code REPLICA IDENTITY USING INDEX by_code_code_key");
            st.execute("CREATE TABLE by_key (id bigint PRIMARY KEY, code text NOT NULL UNIQUE)");
            st.execute("CREATE UNIQUE INDEX by_key_id_code ON by_key (id, code)");
            st.execute("ALTER TABLE by_key REPLICA IDENTITY USING INDEX by_key_id_code");
            st.execute("CREATE TABLE whole (id bigint PRIMARY KEY)");
            st.execute("ALTER TABLE whole REPLICA IDENTITY FULL");
            st.execute("DROP ROLE IF EXISTS reader");
            st.execute("CREATE ROLE reader LOGIN PASSWORD 'reader-pw'");
            st.execute("GRANT SELECT ON users TO reader");
        }
    }

    private static Map<String, Object> valid() {
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.HOST.key(), servers.postgres().host());
        v.put(PostgresSourceOptions.PORT.key(), servers.postgres().port());
        v.put(PostgresSourceOptions.DATABASE.key(), pgDb);
        v.put(PostgresSourceOptions.USER.key(), servers.postgres().user());
        v.put(PostgresSourceOptions.PASSWORD.key(), servers.postgres().password());
        v.put(PostgresSourceOptions.TABLES.key(), List.of("users"));
        v.put(ClickHouseSinkOptions.URL.key(), servers.clickhouse().url());
        v.put(ClickHouseSinkOptions.DATABASE.key(), chDb);
        v.put(ClickHouseSinkOptions.USER.key(), servers.clickhouse().user());
        v.put(ClickHouseSinkOptions.PASSWORD.key(), servers.clickhouse().password());
        return v;
    }

    private static SluiceConfig with(String key, Object value) {
        Map<String, Object> v = valid();
        v.put(key, value);
        return SluiceConfig.of(v);
    }

    private static void assertSingleProblem(SluiceConfig config, String... fragments) {
        assertThatThrownBy(() -> Preflight.check(config))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e -> {
                            assertThat(e.problems()).hasSize(1);
                            assertThat(e.problems().get(0)).contains(fragments);
                        });
    }

    @Test
    void aValidConfigurationPasses() {
        assertThatCode(() -> Preflight.check(SluiceConfig.of(valid()))).doesNotThrowAnyException();
    }

    @Test
    void hashedColumnsMustBeCapturedTextColumns() {
        assertThatCode(
                        () ->
                                Preflight.check(
                                        with(
                                                PiiOptions.COLUMNS.key(),
                                                List.of("public.users.email"))))
                .doesNotThrowAnyException();
        assertSingleProblem(
                with(PiiOptions.COLUMNS.key(), List.of("public.users.user_id")),
                "'pii.columns' names public.users.user_id, a bigint column",
                "only text columns");
        assertSingleProblem(
                with(PiiOptions.COLUMNS.key(), List.of("public.users.phone")),
                "has no column phone");
        assertSingleProblem(
                with(PiiOptions.COLUMNS.key(), List.of("public.audit_log.line")),
                "public.audit_log is not in postgres.tables");
    }

    @Test
    void unknownTable() {
        assertSingleProblem(
                with(PostgresSourceOptions.TABLES.key(), List.of("users", "public.nope")),
                "table public.nope (in postgres.tables) does not exist in database " + pgDb);
    }

    @Test
    void tableWithoutPrimaryKey() {
        assertSingleProblem(
                with(PostgresSourceOptions.TABLES.key(), List.of("users", "audit_log")),
                "table public.audit_log has no primary key",
                "ADD PRIMARY KEY");
    }

    @Test
    void replicaIdentityMustPublishThePrimaryKey() {
        assertSingleProblem(
                with(PostgresSourceOptions.TABLES.key(), List.of("users", "silent")),
                "table public.silent has REPLICA IDENTITY NOTHING",
                "ALTER TABLE public.silent REPLICA IDENTITY DEFAULT");
        assertSingleProblem(
                with(PostgresSourceOptions.TABLES.key(), List.of("users", "by_code")),
                "table public.by_code has REPLICA IDENTITY USING INDEX by_code_code_key,"
                        + " which lacks primary-key columns");
        assertThatCode(
                        () ->
                                Preflight.check(
                                        with(
                                                PostgresSourceOptions.TABLES.key(),
                                                List.of("users", "by_key", "whole"))))
                .doesNotThrowAnyException();
    }

    @Test
    void userWithoutReplication() {
        Map<String, Object> v = valid();
        v.put(PostgresSourceOptions.USER.key(), "reader");
        v.put(PostgresSourceOptions.PASSWORD.key(), "reader-pw");
        assertSingleProblem(
                SluiceConfig.of(v),
                "Postgres user 'reader' lacks the REPLICATION attribute",
                "ALTER ROLE reader WITH REPLICATION");
    }

    @Test
    void eachMissingGrantIsOneProblemSayingWhatToRun() {
        Map<String, Object> v = valid();
        v.put(PostgresSourceOptions.USER.key(), "reader");
        v.put(PostgresSourceOptions.PASSWORD.key(), "reader-pw");
        v.put(PostgresSourceOptions.TABLES.key(), List.of("users", "by_key", "whole"));
        assertThatThrownBy(() -> Preflight.check(SluiceConfig.of(v)))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .hasSize(3)
                                        .anySatisfy(p -> assertThat(p).contains("REPLICATION"))
                                        .anySatisfy(
                                                p ->
                                                        assertThat(p)
                                                                .contains(
                                                                        "may not read table"
                                                                                + " public.by_key",
                                                                        "GRANT SELECT ON"
                                                                                + " \"public\".\"by_key\""
                                                                                + " TO \"reader\";"))
                                        .anySatisfy(
                                                p ->
                                                        assertThat(p)
                                                                .contains(
                                                                        "may not read table"
                                                                                + " public.whole",
                                                                        "GRANT SELECT ON")));
    }

    @Test
    void aRoleThatMayNotPublishIsToldWhoMust() throws Exception {
        Map<String, Object> v = valid();
        v.put(PostgresSourceOptions.USER.key(), "reader");
        v.put(PostgresSourceOptions.PASSWORD.key(), "reader-pw");
        try (PostgresCatalog catalog = PostgresCatalog.connect(SluiceConfig.of(v))) {
            assertThatThrownBy(
                            () ->
                                    catalog.ensurePublication(
                                            "reader_pub", List.of(new TableId("public", "users"))))
                    .isInstanceOfSatisfying(
                            ConfigException.class,
                            e ->
                                    assertThat(e.problems())
                                            .singleElement()
                                            .asString()
                                            .contains(
                                                    "Postgres user 'reader' may not create it",
                                                    "have the tables' owner or a superuser run"
                                                            + " CREATE PUBLICATION"));
        }
    }

    @Test
    void clickHouseUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertSingleProblem(
                with(ClickHouseSinkOptions.URL.key(), "http://127.0.0.1:" + closedPort),
                "ClickHouse at http://127.0.0.1:"
                        + closedPort
                        + " (clickhouse.url) is unreachable");
    }

    @Test
    void clickHouseDatabaseMissing() {
        assertSingleProblem(
                with(ClickHouseSinkOptions.DATABASE.key(), "no_such_db"),
                "ClickHouse database 'no_such_db' (clickhouse.database) does not exist",
                "CREATE DATABASE `no_such_db`");
    }

    @Test
    void clickHouseClusterMustBeInTheServersRemoteServers() {
        assertSingleProblem(
                with(ClickHouseSinkOptions.CLUSTER.key(), "no_such_cluster"),
                "has no cluster 'no_such_cluster' (clickhouse.cluster) in its remote_servers");
    }

    @Test
    void walLevelNotLogical(@TempDir Path home) throws Exception {
        try (PostgresServer replicaOnly =
                PostgresServer.start(home, 0, Map.of("wal_level", "replica"))) {
            Map<String, Object> v = valid();
            v.put(PostgresSourceOptions.PORT.key(), replicaOnly.port());
            v.put(PostgresSourceOptions.DATABASE.key(), "postgres");
            v.put(PostgresSourceOptions.USER.key(), replicaOnly.user());
            v.put(PostgresSourceOptions.PASSWORD.key(), replicaOnly.password());
            try (Connection pg =
                            DriverManager.getConnection(
                                    replicaOnly.jdbcUrl("postgres"),
                                    replicaOnly.user(),
                                    replicaOnly.password());
                    Statement st = pg.createStatement()) {
                st.execute("CREATE TABLE users (user_id bigint PRIMARY KEY)");
            }
            assertSingleProblem(
                    SluiceConfig.of(v),
                    "has wal_level=replica",
                    "wal_level=logical",
                    "restart Postgres");
        }
    }
}
