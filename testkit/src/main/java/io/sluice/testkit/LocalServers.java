package io.sluice.testkit;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The local servers behind {@code ./sluice up | down | status | env}: Postgres (database {@code
 * app}) and ClickHouse (database {@code sluice}), with all their state in the home directory the
 * launcher passes ({@code <repo>/.sluice}): {@code postgres/}, {@code clickhouse/} and the
 * extracted Postgres binaries in {@code pg-bin/}. The servers outlive this program; the next
 * invocation finds them through their pid files.
 *
 * <p>Exit codes: 0 done; 1 a server is down ({@code status}, {@code env}) or could not start; 64
 * wrong usage.
 */
public final class LocalServers {
    static final String PG_DATABASE = "app";
    static final String CH_DATABASE = "sluice";

    private final Path pgHome;
    private final Path chHome;
    private final Path chModernHome;
    private final Path pgBinaryCache;
    private final LocalClickHouseCluster cluster;
    private final LocalServersReport report;

    LocalServers(Path home) {
        Path abs = home.toAbsolutePath();
        this.pgHome = abs.resolve("postgres");
        this.chHome = abs.resolve("clickhouse");
        this.chModernHome = abs.resolve("clickhouse-modern");
        this.pgBinaryCache = abs.resolve("pg-bin");
        this.cluster = new LocalClickHouseCluster(abs.resolve("clickhouse-cluster"));
        this.report = new LocalServersReport(pgHome, chHome, chModernHome, cluster);
    }

    private static final String USAGE =
            "usage: LocalServers up|down|status|env --home DIR [--clickhouse-shards S"
                    + " --clickhouse-replicas R]";

    public static void main(String[] args) {
        if (args.length < 3 || !args[1].equals("--home")) {
            System.err.println(USAGE);
            System.exit(64);
        }
        LocalServers servers = new LocalServers(Path.of(args[2]));
        try {
            int shards = 1;
            int replicas = 1;
            for (int i = 3; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(args[i] + " needs a number; " + USAGE);
                }
                switch (args[i]) {
                    case "--clickhouse-shards" -> shards = count(args[i], args[i + 1]);
                    case "--clickhouse-replicas" -> replicas = count(args[i], args[i + 1]);
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown argument '" + args[i] + "'; " + USAGE);
                }
            }
            if (shards * replicas > 1 && !args[0].equals("up")) {
                throw new IllegalArgumentException(
                        "--clickhouse-shards and --clickhouse-replicas go with up only");
            }
            int s = shards;
            int r = replicas;
            int code =
                    switch (args[0]) {
                        case "up" -> servers.up(s, r);
                        case "down" -> servers.down();
                        case "status" -> servers.report.status();
                        case "env" -> servers.report.env();
                        default -> {
                            System.err.println("unknown command '" + args[0] + "'; " + USAGE);
                            yield 64;
                        }
                    };
            System.exit(code);
        } catch (IllegalStateException | IllegalArgumentException e) {
            System.err.println("sluice: " + e.getMessage());
            System.exit(1);
        }
    }

    private static int count(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 8) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below
        }
        throw new IllegalArgumentException(
                flag + " takes a number from 1 to 8, got '" + value + "'");
    }

    /**
     * Starts whichever server is not running, and creates the databases: ClickHouse as one server,
     * or, with more than one shard or replica, as a cluster ({@link LocalClickHouseCluster}).
     */
    int up(int shards, int replicas) {
        Optional<PostgresServer> runningPg = PostgresServer.running(pgHome);
        PostgresServer pg;
        int pgPort = port("SLUICE_PG_PORT", 15432);
        if (runningPg.isPresent()) {
            pg = runningPg.get();
            System.out.println(
                    "Postgres is already running on port "
                            + pg.port()
                            + " (pid "
                            + pg.pid()
                            + ")"
                            + moved(pg.port(), pgPort, "SLUICE_PG_PORT"));
        } else {
            long t0 = System.nanoTime();
            pg = startPostgres(pgPort);
            System.out.printf(
                    "Postgres %s started on port %d in %d ms (wal_level=logical)%n",
                    pg.version(), pg.port(), millisSince(t0));
        }
        pg.createDatabase(PG_DATABASE);

        if (shards * replicas > 1) {
            if (modern()) {
                throw new IllegalArgumentException(
                        "the local ClickHouse cluster runs the 18.16 server; drop --clickhouse"
                                + " modern");
            }
            if (ClickHouseServer.running(chHome).isPresent()) {
                throw new IllegalStateException(
                        "a single ClickHouse server is running; ./sluice down first to start a"
                                + " cluster");
            }
            cluster.up(shards, replicas, CH_DATABASE);
            System.out.println(
                    "Databases: Postgres '"
                            + PG_DATABASE
                            + "', ClickHouse '"
                            + CH_DATABASE
                            + "' on cluster '"
                            + ClickHouseCluster.NAME
                            + "'. Connection settings: ./sluice env");
            return 0;
        }
        if (cluster.entry().isPresent()) {
            // Started with --clickhouse-shards/--clickhouse-replicas: kept as it is, until down.
            Properties recorded = cluster.state().orElseThrow();
            return up(cluster.shards(recorded), cluster.replicas(recorded));
        }
        if (modern()) {
            upModern();
            return 0;
        }
        Optional<ClickHouseServer> runningCh = ClickHouseServer.running(chHome);
        ClickHouseServer ch;
        int httpPort = port("SLUICE_CH_HTTP_PORT", 18123);
        int tcpPort = port("SLUICE_CH_TCP_PORT", 19000);
        if (runningCh.isPresent()) {
            ch = runningCh.get();
            System.out.println(
                    "ClickHouse is already running on HTTP port "
                            + ch.httpPort()
                            + " (pid "
                            + ch.pid()
                            + ")"
                            + moved(ch.httpPort(), httpPort, "SLUICE_CH_HTTP_PORT"));
        } else {
            long t0 = System.nanoTime();
            ch = startClickHouse(httpPort, tcpPort);
            System.out.printf(
                    "ClickHouse %s started on HTTP port %d, TCP port %d in %d ms%n",
                    ch.version(), ch.httpPort(), ch.tcpPort(), millisSince(t0));
        }
        ch.query("CREATE DATABASE IF NOT EXISTS " + CH_DATABASE);
        System.out.println(
                "Databases: Postgres '"
                        + PG_DATABASE
                        + "', ClickHouse '"
                        + CH_DATABASE
                        + "'. Connection settings: ./sluice env");
        return 0;
    }

    /**
     * {@code SLUICE_CLICKHOUSE_ENGINE=modern} ({@code --clickhouse modern} on the launcher):
     * ClickHouse 26.7 as the chDB engine behind its HTTP adapter, instead of the 18.16 server.
     */
    static boolean modern() {
        String engine = System.getenv("SLUICE_CLICKHOUSE_ENGINE");
        if (engine == null || engine.isBlank() || engine.equals("legacy")) {
            return false;
        }
        if (engine.equals("modern")) {
            return true;
        }
        throw new IllegalArgumentException(
                "SLUICE_CLICKHOUSE_ENGINE must be legacy (the 18.16 server) or modern (ClickHouse"
                        + " 26.7, the chDB engine), got '"
                        + engine
                        + "'");
    }

    private void upModern() {
        Optional<ChdbServer> running = ChdbServer.running(chModernHome);
        ChdbServer ch;
        int httpPort = port("SLUICE_CH_MODERN_HTTP_PORT", 18124);
        if (running.isPresent()) {
            ch = running.get();
            System.out.println(
                    "ClickHouse (chDB) is already running on HTTP port "
                            + ch.httpPort()
                            + " (pid "
                            + ch.pid()
                            + ")"
                            + moved(ch.httpPort(), httpPort, "SLUICE_CH_MODERN_HTTP_PORT"));
        } else {
            long t0 = System.nanoTime();
            try {
                ch = ChdbServer.start(chModernHome, httpPort);
            } catch (PortInUseException e) {
                throw new IllegalStateException(
                        e.getMessage() + "; " + portAdvice("SLUICE_CH_MODERN_HTTP_PORT"), e);
            }
            System.out.printf(
                    "ClickHouse %s (the chDB engine behind its HTTP adapter) started on HTTP port"
                            + " %d in %d ms%n",
                    ch.version(), ch.httpPort(), millisSince(t0));
        }
        ch.query("CREATE DATABASE IF NOT EXISTS " + CH_DATABASE);
        System.out.println(
                "Databases: Postgres '"
                        + PG_DATABASE
                        + "', ClickHouse '"
                        + CH_DATABASE
                        + "'. Connection settings: SLUICE_CLICKHOUSE_ENGINE=modern ./sluice env");
    }

    private PostgresServer startPostgres(int port) {
        try {
            return PostgresServer.start(pgHome, port, Map.of(), pgBinaryCache);
        } catch (PortInUseException e) {
            throw new IllegalStateException(
                    e.getMessage() + "; " + portAdvice("SLUICE_PG_PORT"), e);
        }
    }

    private ClickHouseServer startClickHouse(int httpPort, int tcpPort) {
        try {
            return ClickHouseServer.start(chHome, httpPort, tcpPort);
        } catch (PortInUseException e) {
            String variable = e.port() == httpPort ? "SLUICE_CH_HTTP_PORT" : "SLUICE_CH_TCP_PORT";
            throw new IllegalStateException(e.getMessage() + "; " + portAdvice(variable), e);
        }
    }

    /** What to do about a busy port, with a port that is free right now as the example. */
    private static String portAdvice(String variable) {
        return "set "
                + variable
                + " to a free port, e.g. "
                + variable
                + "="
                + Processes.freePort()
                + " ./sluice up";
    }

    /** A note when the requested port differs from the one a running server already has. */
    private static String moved(int actual, int requested, String variable) {
        return actual == requested
                ? ""
                : "; " + variable + "=" + requested + " takes effect after ./sluice down";
    }

    /** Stops whichever server is running. */
    int down() {
        Optional<PostgresServer> pg = PostgresServer.running(pgHome);
        if (pg.isPresent()) {
            pg.get().stop();
            System.out.println("Postgres stopped (port " + pg.get().port() + ")");
        } else {
            System.out.println("Postgres is not running");
        }
        boolean clustered = cluster.down();
        Optional<ClickHouseServer> ch = ClickHouseServer.running(chHome);
        if (ch.isPresent()) {
            ch.get().stop();
            System.out.println("ClickHouse stopped (HTTP port " + ch.get().httpPort() + ")");
        } else if (!clustered) {
            System.out.println("ClickHouse is not running");
        }
        Optional<ChdbServer> modern = ChdbServer.running(chModernHome);
        if (modern.isPresent()) {
            modern.get().stop();
            System.out.println(
                    "ClickHouse (chDB) stopped (HTTP port " + modern.get().httpPort() + ")");
        }
        return 0;
    }

    private static int port(String variable, int defaultPort) {
        String v = System.getenv(variable);
        if (v == null || v.isBlank()) {
            return defaultPort;
        }
        try {
            int port = Integer.parseInt(v.trim());
            if (port < 1 || port > 65535) {
                throw new NumberFormatException("out of range");
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    variable + " must be a port number (1-65535), got '" + v + "'");
        }
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
