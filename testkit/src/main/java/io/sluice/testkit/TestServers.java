package io.sluice.testkit;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

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
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private static TestServers instance;
    private static IllegalStateException failure;

    /** The major version {@link #postgres()} runs (the binaries on the classpath). */
    public static final int DEFAULT_POSTGRES_MAJOR = 17;

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
                Path root = TestServerStartup.root();
                instance =
                        new TestServers(
                                root,
                                TestServerStartup.postgres(root),
                                TestServerStartup.clickhouse(root, ClickHouseEngine.LEGACY));
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
                pg =
                        TestServerStartup.localPostgres(
                                TestServerStartup.root(),
                                "postgres" + major,
                                "Postgres " + major,
                                major);
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
                    modern = TestServerStartup.clickhouse(root, ClickHouseEngine.MODERN);
                } catch (IllegalStateException e) {
                    modernFailure = e;
                    throw e;
                }
            }
            return modern;
        }
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
