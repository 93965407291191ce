package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The real servers every integration test uses: one Postgres and one ClickHouse per test JVM,
 * started on free ports under {@code target/sluice-test-servers/} of the working directory (the
 * module, under Surefire) and stopped by a shutdown hook.
 *
 * <p>{@code SLUICE_TEST_PG_JDBC_URL} (with {@code SLUICE_TEST_PG_USER}, {@code
 * SLUICE_TEST_PG_PASSWORD}) and {@code SLUICE_TEST_CLICKHOUSE_URL} (with {@code
 * SLUICE_TEST_CLICKHOUSE_USER}, {@code SLUICE_TEST_CLICKHOUSE_PASSWORD}) point the tests at
 * external servers instead, each independently.
 *
 * <p>A server that cannot start fails every test that asks for it, with the reason: tests are never
 * skipped for want of a server.
 */
public final class TestServers {
    private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Pattern SERVER_DIR =
            Pattern.compile("(postgres\\d*|clickhouse|chdb)-(\\d+)");

    private static TestServers instance;
    private static IllegalStateException failure;

    /** The major version {@link #postgres()} runs (the binaries on the classpath). */
    public static final int DEFAULT_POSTGRES_MAJOR = 17;

    private static Path rootDir;
    private static final Map<Integer, TestPostgres> POSTGRES_BY_MAJOR = new HashMap<>();
    private static final Map<Integer, IllegalStateException> POSTGRES_FAILURES = new HashMap<>();

    private final TestPostgres postgres;
    private final TestClickHouse clickhouse;
    private final Path root;
    private static TestClickHouse modern; // started on first use, shared by every instance
    private static IllegalStateException modernFailure;

    private TestServers(Path root, TestPostgres postgres, TestClickHouse clickhouse) {
        this.root = root;
        this.postgres = postgres;
        this.clickhouse = clickhouse;
    }

    /**
     * The servers of this JVM, started on first use. A failed start is remembered: later calls fail
     * at once with the same reason rather than waiting for the servers again.
     */
    public static synchronized TestServers get() {
        if (failure != null) {
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        if (instance == null) {
            try {
                Path root = root();
                instance =
                        new TestServers(
                                root, postgres(root), clickhouse(root, ClickHouseEngine.LEGACY));
            } catch (IllegalStateException e) {
                failure = e;
                throw e;
            }
        }
        return instance;
    }

    public TestPostgres postgres() {
        return postgres;
    }

    /**
     * These servers with a Postgres of the given major version in place of {@link #postgres()}: see
     * {@link #postgres(int)}.
     */
    public TestServers withPostgres(int major) {
        return new TestServers(root, postgres(major), clickhouse);
    }

    /**
     * A local Postgres of the given major version (14 to 17), started on first use and stopped when
     * the JVM exits; {@link #DEFAULT_POSTGRES_MAJOR} is {@link #postgres()}'s server (or the
     * external one {@code SLUICE_TEST_PG_JDBC_URL} names, which must then be of that major). A
     * major without binaries in the testkit, or a server that reports another version, fails.
     */
    public static synchronized TestPostgres postgres(int major) {
        IllegalStateException failed = POSTGRES_FAILURES.get(major);
        if (failed != null) {
            throw new IllegalStateException(failed.getMessage(), failed);
        }
        TestPostgres pg = POSTGRES_BY_MAJOR.get(major);
        if (pg != null) {
            return pg;
        }
        try {
            if (major == DEFAULT_POSTGRES_MAJOR) {
                pg = get().postgres();
            } else {
                Path home =
                        root().resolve("postgres" + major + "-" + ProcessHandle.current().pid());
                PostgresServer server =
                        timed(
                                "Postgres " + major,
                                () ->
                                        PostgresServer.start(
                                                home,
                                                0,
                                                Map.of(),
                                                root().resolve("pg-bin"),
                                                major));
                stopAtExit(server, "postgres" + major);
                pg =
                        new TestPostgres(
                                server.host(), server.port(), "", server.user(), server.password());
                pg.local = server;
                pg.binaries = root().resolve("pg-bin");
                pg.major = major;
            }
            int actual = pg.serverVersionNum() / 10_000;
            if (actual != major) {
                throw new IllegalStateException(
                        "asked for Postgres "
                                + major
                                + ", but "
                                + pg
                                + " runs "
                                + pg.serverVersion());
            }
        } catch (IllegalStateException e) {
            POSTGRES_FAILURES.put(major, e);
            throw e;
        }
        POSTGRES_BY_MAJOR.put(major, pg);
        return pg;
    }

    /** Where the local servers live; earlier runs' leftovers are reaped on first use. */
    private static synchronized Path root() {
        if (rootDir == null) {
            Path dir = Path.of("target", "sluice-test-servers").toAbsolutePath();
            reapStaleServers(dir);
            rootDir = dir;
        }
        return rootDir;
    }

    /** The legacy ClickHouse (18.16), as every test used before there were two. */
    public TestClickHouse clickhouse() {
        return clickhouse;
    }

    /**
     * The ClickHouse of {@code engine}; the modern one starts on first use, and a failed start is
     * remembered like that of the other servers.
     */
    public TestClickHouse clickhouse(ClickHouseEngine engine) {
        if (engine == ClickHouseEngine.LEGACY) {
            return clickhouse;
        }
        synchronized (TestServers.class) {
            if (modernFailure != null) {
                throw new IllegalStateException(modernFailure.getMessage(), modernFailure);
            }
            if (modern == null) {
                try {
                    modern = clickhouse(root, ClickHouseEngine.MODERN);
                } catch (IllegalStateException e) {
                    modernFailure = e;
                    throw e;
                }
            }
            return modern;
        }
    }

    private static TestPostgres postgres(Path root) {
        String url = System.getenv("SLUICE_TEST_PG_JDBC_URL");
        if (url != null && !url.isBlank()) {
            LOG.info("Using the external Postgres at {}", url);
            return TestPostgres.fromJdbcUrl(
                    url,
                    env("SLUICE_TEST_PG_USER", "postgres"),
                    env("SLUICE_TEST_PG_PASSWORD", ""));
        }
        PostgresServer server =
                timed(
                        "Postgres",
                        () -> {
                            Path home = root.resolve("postgres-" + ProcessHandle.current().pid());
                            return PostgresServer.start(home, 0, Map.of(), root.resolve("pg-bin"));
                        });
        stopAtExit(server, "postgres");
        TestPostgres pg =
                new TestPostgres(
                        server.host(), server.port(), "", server.user(), server.password());
        pg.local = server;
        pg.binaries = root.resolve("pg-bin");
        return pg;
    }

    /**
     * The ClickHouse of {@code engine}: an external one when {@code SLUICE_TEST_CLICKHOUSE_URL}
     * (legacy) or {@code SLUICE_TEST_MODERN_CLICKHOUSE_URL} (modern) names it, else a local one.
     */
    private static TestClickHouse clickhouse(Path root, ClickHouseEngine engine) {
        boolean legacy = engine == ClickHouseEngine.LEGACY;
        String prefix = legacy ? "SLUICE_TEST_CLICKHOUSE" : "SLUICE_TEST_MODERN_CLICKHOUSE";
        String url = System.getenv(prefix + "_URL");
        if (url != null && !url.isBlank()) {
            LOG.info("Using the external {} ClickHouse at {}", engine, url);
            return new TestClickHouse(
                    engine, url, env(prefix + "_USER", "default"), env(prefix + "_PASSWORD", ""));
        }
        Path home =
                root.resolve((legacy ? "clickhouse-" : "chdb-") + ProcessHandle.current().pid());
        TestClickHouse ch;
        if (legacy) {
            ClickHouseServer server = timed("ClickHouse", () -> ClickHouseServer.start(home, 0, 0));
            stopAtExit(server, "clickhouse");
            ch = new TestClickHouse(engine, server.httpUrl(), "default", "");
            ch.localPid = server.pid();
        } else {
            ChdbServer server = timed("ClickHouse 26 (chDB)", () -> ChdbServer.start(home, 0));
            stopAtExit(server, "chdb");
            ch = new TestClickHouse(engine, server.httpUrl(), "default", "");
            ch.localPid = server.pid();
        }
        return ch;
    }

    /** Starts a server, logging how long it took, or fails with the message tests report. */
    private static <T> T timed(String name, Supplier<T> start) {
        long t0 = System.nanoTime();
        try {
            T server = start.get();
            LOG.info("{} started in {} ms: {}", name, (System.nanoTime() - t0) / 1_000_000, server);
            return server;
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    name + " could not start for the integration tests: " + e.getMessage(), e);
        }
    }

    static void stopAtExit(AutoCloseable server, String name) {
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        server.close();
                                    } catch (Exception e) {
                                        // Too late to fail a test; the next run reaps the server.
                                        System.err.println(
                                                "cannot stop the test " + name + ": " + e);
                                    }
                                },
                                "stop-test-" + name));
    }

    /**
     * Stops and deletes the servers of earlier test JVMs that died without their shutdown hook
     * (kill -9, a killed Maven): their directories are named after the JVM's pid. Directories of
     * live JVMs (a concurrent run in the same module) are left alone.
     */
    private static void reapStaleServers(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                Matcher m = SERVER_DIR.matcher(dir.getFileName().toString());
                if (!m.matches() || ProcessHandle.of(Long.parseLong(m.group(2))).isPresent()) {
                    continue;
                }
                switch (m.group(1)) {
                    case "chdb" -> ChdbServer.running(dir).ifPresent(ChdbServer::stop);
                    case "clickhouse" ->
                            ClickHouseServer.running(dir).ifPresent(ClickHouseServer::stop);
                    default -> PostgresServer.running(dir).ifPresent(PostgresServer::stop);
                }
                Processes.deleteTree(dir);
                LOG.info("Removed the test servers' state of an earlier run: {}", dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot clean up earlier test servers in " + root + ": " + e.getMessage(), e);
        }
    }

    private static String env(String name, String defaultValue) {
        String v = System.getenv(name);
        return v == null ? defaultValue : v;
    }

    /** A database name unique to this JVM and call: {@code <prefix>_<pid>_<n>}. */
    static String uniqueName(String prefix) {
        if (!prefix.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException(
                    "database prefix must be lower-case letters, digits and _: '" + prefix + "'");
        }
        return prefix + "_" + ProcessHandle.current().pid() + "_" + SEQUENCE.incrementAndGet();
    }
}
