package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link TestServers} brings its servers up: an external server when the environment names one,
 * else a local one started on a free port under {@code target/sluice-test-servers/} and stopped by
 * a shutdown hook; the servers of earlier test JVMs that died are reaped first.
 */
final class TestServerStartup {
    // Logs as TestServers, as it did before this code had a class of its own.
    private static final Logger LOG = LoggerFactory.getLogger(TestServers.class);
    private static final Pattern SERVER_DIR =
            Pattern.compile("(postgres\\d*|clickhouse|chdb)-(\\d+)");

    private static Path rootDir;

    private TestServerStartup() {}

    /** Where the local servers live; earlier runs' leftovers are reaped on first use. */
    static synchronized Path root() {
        if (rootDir == null) {
            Path dir = Path.of("target", "sluice-test-servers").toAbsolutePath();
            reapStaleServers(dir);
            rootDir = dir;
        }
        return rootDir;
    }

    /**
     * The Postgres {@link TestServers#postgres()} names: the external one {@code
     * SLUICE_TEST_PG_JDBC_URL} names, else a local one with the binaries on the classpath.
     */
    static TestPostgres postgres(Path root) {
        String url = System.getenv("SLUICE_TEST_PG_JDBC_URL");
        if (url != null && !url.isBlank()) {
            LOG.info("Using the external Postgres at {}", url);
            return TestPostgres.fromJdbcUrl(
                    url,
                    env("SLUICE_TEST_PG_USER", "postgres"),
                    env("SLUICE_TEST_PG_PASSWORD", ""));
        }
        return localPostgres(root, "postgres", "Postgres", 0);
    }

    /**
     * A local Postgres of {@code major} (0: the binaries on the classpath) in {@code
     * root/<name>-<pid>}, sharing the binaries in {@code root/pg-bin}, stopped when the JVM exits.
     */
    static TestPostgres localPostgres(Path root, String name, String description, int major) {
        Path home = root.resolve(name + "-" + ProcessHandle.current().pid());
        PostgresServer server =
                timed(
                        description,
                        () ->
                                PostgresServer.start(
                                        home, 0, Map.of(), root.resolve("pg-bin"), major));
        stopAtExit(server, name);
        TestPostgres pg =
                new TestPostgres(
                        server.host(), server.port(), "", server.user(), server.password());
        pg.local = server;
        pg.binaries = root.resolve("pg-bin");
        pg.major = major;
        return pg;
    }

    /**
     * The ClickHouse of {@code engine}: an external one when {@code SLUICE_TEST_CLICKHOUSE_URL}
     * (legacy) or {@code SLUICE_TEST_MODERN_CLICKHOUSE_URL} (modern) names it, else a local one.
     */
    static TestClickHouse clickhouse(Path root, ClickHouseEngine engine) {
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
}
