package io.sluice.testkit;

import java.nio.file.Path;

/**
 * The local servers of {@code ./sluice up | down | status | env}: Postgres (database {@code app})
 * and ClickHouse (database {@code sluice}) with their state in the given home ({@code .sluice/}).
 */
public final class LocalServers {
    private LocalServers() {}

    public static void main(String[] args) {
        if (args.length < 1) {
            usage();
        }
        Path home = Path.of(".sluice");
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals("--home")) {
                home = Path.of(args[i + 1]);
            }
        }
        Path pgHome = home.resolve("postgres");
        Path chHome = home.resolve("clickhouse");
        try {
            switch (args[0]) {
                case "up" -> up(pgHome, chHome);
                case "down" -> down(pgHome, chHome);
                case "status" -> System.exit(status(pgHome, chHome) ? 0 : 1);
                case "env" -> env(pgHome, chHome);
                default -> usage();
            }
        } catch (IllegalStateException e) {
            System.err.println("sluice: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void usage() {
        System.err.println("usage: LocalServers up|down|status|env --home DIR");
        System.exit(64);
    }

    private static int port(String env, int defaultPort) {
        String v = System.getenv(env);
        try {
            return v == null || v.isBlank() ? defaultPort : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(env + " must be a port number, got '" + v + "'");
        }
    }

    private static void up(Path pgHome, Path chHome) {
        PostgresServer pg = PostgresServer.running(pgHome);
        if (pg != null) {
            System.out.println("Postgres is already running on port " + pg.port());
        } else {
            pg = PostgresServer.start(pgHome, port("SLUICE_PG_PORT", 15432));
            System.out.println("Postgres started on port " + pg.port() + " (wal_level=logical)");
        }
        pg.createDatabase("app");
        ClickHouseServer ch = ClickHouseServer.running(chHome);
        if (ch != null) {
            System.out.println("ClickHouse is already running on HTTP port " + ch.httpPort());
        } else {
            ch = ClickHouseServer.start(chHome, port("SLUICE_CH_HTTP_PORT", 18123), port("SLUICE_CH_TCP_PORT", 19000));
            System.out.println("ClickHouse " + ch.version() + " started on HTTP port " + ch.httpPort());
        }
        ch.query("CREATE DATABASE IF NOT EXISTS sluice");
    }

    private static void down(Path pgHome, Path chHome) {
        PostgresServer pg = PostgresServer.running(pgHome);
        if (pg != null) {
            pg.stop();
            System.out.println("Postgres stopped");
        } else {
            System.out.println("Postgres is not running");
        }
        ClickHouseServer ch = ClickHouseServer.running(chHome);
        if (ch != null) {
            ch.stop();
            System.out.println("ClickHouse stopped");
        } else {
            System.out.println("ClickHouse is not running");
        }
    }

    private static boolean status(Path pgHome, Path chHome) {
        PostgresServer pg = PostgresServer.running(pgHome);
        ClickHouseServer ch = ClickHouseServer.running(chHome);
        System.out.println(pg == null ? "postgres    stopped" : "postgres    running  port " + pg.port() + "  data " + pgHome.resolve("data"));
        System.out.println(
                ch == null
                        ? "clickhouse  stopped"
                        : "clickhouse  running  http " + ch.httpPort() + "  tcp " + ch.tcpPort() + "  pid " + ch.pid() + "  version " + ch.version());
        return pg != null && ch != null;
    }

    private static void env(Path pgHome, Path chHome) {
        PostgresServer pg = PostgresServer.running(pgHome);
        ClickHouseServer ch = ClickHouseServer.running(chHome);
        if (pg == null || ch == null) {
            throw new IllegalStateException("the local servers are not running: start them with ./sluice up");
        }
        System.out.println("SLUICE_PG_HOST=" + pg.host());
        System.out.println("SLUICE_PG_PORT=" + pg.port());
        System.out.println("SLUICE_PG_DATABASE=app");
        System.out.println("SLUICE_PG_USER=" + pg.user());
        System.out.println("SLUICE_PG_PASSWORD=" + pg.password());
        System.out.println("SLUICE_PG_BIN=" + pg.home().resolve("bin"));
        System.out.println("SLUICE_CLICKHOUSE_URL=" + ch.httpUrl());
        System.out.println("SLUICE_CLICKHOUSE_DATABASE=sluice");
        System.out.println("SLUICE_CLICKHOUSE_USER=default");
        System.out.println("SLUICE_CLICKHOUSE_PASSWORD=");
    }
}
