package io.sluice.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real servers every integration test uses: one Postgres and one ClickHouse per test JVM,
 * started on free ports under {@code target/sluice-test-servers} and stopped when the JVM exits.
 * {@code SLUICE_TEST_PG_JDBC_URL} (with {@code _USER}, {@code _PASSWORD}) and {@code
 * SLUICE_TEST_CLICKHOUSE_URL} (with {@code _USER}, {@code _PASSWORD}) point the tests at external
 * servers instead, e.g. a modern ClickHouse. A server that cannot start fails the test with the
 * reason; tests are never skipped.
 */
public final class TestServers {
    private static TestServers instance;

    private final Postgres postgres;
    private final ClickHouse clickhouse;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private TestServers(Postgres postgres, ClickHouse clickhouse) {
        this.postgres = postgres;
        this.clickhouse = clickhouse;
    }

    public static synchronized TestServers get() {
        if (instance == null) {
            Path root = Path.of("target", "sluice-test-servers").toAbsolutePath();
            instance = new TestServers(startPostgres(root), startClickHouse(root));
        }
        return instance;
    }

    public Postgres postgres() {
        return postgres;
    }

    public ClickHouse clickhouse() {
        return clickhouse;
    }

    private static Postgres startPostgres(Path root) {
        String external = System.getenv("SLUICE_TEST_PG_JDBC_URL");
        if (external != null && !external.isBlank()) {
            URI uri = URI.create(external.substring("jdbc:".length()));
            return new Postgres(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
                    env("SLUICE_TEST_PG_USER", "postgres"), env("SLUICE_TEST_PG_PASSWORD", ""));
        }
        long t0 = System.nanoTime();
        try {
            PostgresServer server = PostgresServer.start(root.resolve("postgres-" + ProcessHandle.current().pid()), 0);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "stop-test-postgres"));
            System.out.printf("[testkit] Postgres started on port %d in %d ms%n", server.port(), (System.nanoTime() - t0) / 1_000_000);
            return new Postgres(server.host(), server.port(), server.user(), server.password());
        } catch (RuntimeException e) {
            throw new IllegalStateException("Postgres could not start for the integration tests: " + e.getMessage(), e);
        }
    }

    private static ClickHouse startClickHouse(Path root) {
        String external = System.getenv("SLUICE_TEST_CLICKHOUSE_URL");
        if (external != null && !external.isBlank()) {
            return new ClickHouse(external, env("SLUICE_TEST_CLICKHOUSE_USER", "default"), env("SLUICE_TEST_CLICKHOUSE_PASSWORD", ""));
        }
        long t0 = System.nanoTime();
        try {
            ClickHouseServer server = ClickHouseServer.start(root.resolve("clickhouse-" + ProcessHandle.current().pid()), 0, 0);
            Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "stop-test-clickhouse"));
            System.out.printf("[testkit] ClickHouse %s started on HTTP port %d in %d ms%n", server.version(), server.httpPort(), (System.nanoTime() - t0) / 1_000_000);
            return new ClickHouse(server.httpUrl(), "default", "");
        } catch (RuntimeException e) {
            throw new IllegalStateException("ClickHouse could not start for the integration tests: " + e.getMessage(), e);
        }
    }

    private static String env(String name, String defaultValue) {
        String v = System.getenv(name);
        return v == null ? defaultValue : v;
    }

    private static String uniqueName(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet();
    }

    /** Connection settings of the test Postgres. */
    public static final class Postgres {
        private final String host;
        private final int port;
        private final String user;
        private final String password;

        Postgres(String host, int port, String user, String password) {
            this.host = host;
            this.port = port;
            this.user = user;
            this.password = password;
        }

        public String host() {
            return host;
        }

        public int port() {
            return port;
        }

        public String user() {
            return user;
        }

        public String password() {
            return password;
        }

        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        /** Creates a fresh database, named {@code prefix_<pid>_<n>}, and returns its name. */
        public String newDatabase(String prefix) {
            String name = uniqueName(prefix);
            try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user, password);
                    Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + name);
            } catch (SQLException e) {
                throw new IllegalStateException("cannot create test database " + name + " in Postgres at " + host + ":" + port + ": " + e.getMessage(), e);
            }
            return name;
        }
    }

    /** Connection settings of the test ClickHouse. */
    public static final class ClickHouse {
        private final String url;
        private final String user;
        private final String password;

        ClickHouse(String url, String user, String password) {
            this.url = url;
            this.user = user;
            this.password = password;
        }

        public String url() {
            return url;
        }

        public String user() {
            return user;
        }

        public String password() {
            return password;
        }

        public String version() {
            return query("SELECT version()").strip();
        }

        public String query(String sql) {
            return ClickHouseServer.query(url, user, password, sql);
        }

        /** Creates a fresh database, named {@code prefix_<pid>_<n>}, and returns its name. */
        public String newDatabase(String prefix) {
            String name = uniqueName(prefix);
            query("CREATE DATABASE " + name);
            return name;
        }
    }
}
