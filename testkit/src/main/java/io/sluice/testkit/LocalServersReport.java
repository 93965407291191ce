package io.sluice.testkit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What {@code ./sluice status} and {@code ./sluice env} print about the {@link LocalServers}: they
 * only read the servers' pid files and ask the servers for their version, never start or stop one.
 */
final class LocalServersReport {
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:@%+=,-]*");

    private final Path pgHome;
    private final Path chHome;
    private final Path chModernHome;
    private final LocalClickHouseCluster cluster;

    LocalServersReport(
            Path pgHome, Path chHome, Path chModernHome, LocalClickHouseCluster cluster) {
        this.pgHome = pgHome;
        this.chHome = chHome;
        this.chModernHome = chModernHome;
        this.cluster = cluster;
    }

    /** One line per server; 1 when either is not running or not answering. */
    int status() {
        boolean up =
                printLine(
                        "postgres  ",
                        PostgresServer.running(pgHome),
                        pg -> String.format("port %d  pid %d", pg.port(), pg.pid()),
                        pg -> "PostgreSQL " + pg.version());
        if (cluster.state().isPresent()) {
            return up & cluster.status() ? 0 : 1;
        }
        Optional<ChdbServer> modern = ChdbServer.running(chModernHome);
        if (modern.isPresent() || LocalServers.modern()) {
            boolean answers =
                    printLine(
                            "clickhouse-modern",
                            modern,
                            ch -> String.format("port %d (http)  pid %d", ch.httpPort(), ch.pid()),
                            ch -> "ClickHouse " + ch.version() + " (chDB)");
            up &= answers || !LocalServers.modern();
            if (LocalServers.modern()) {
                return up ? 0 : 1;
            }
        }
        up &=
                printLine(
                        "clickhouse",
                        ClickHouseServer.running(chHome),
                        ch ->
                                String.format(
                                        "port %d (http), %d (tcp)  pid %d",
                                        ch.httpPort(), ch.tcpPort(), ch.pid()),
                        ch -> "ClickHouse " + ch.version());
        return up ? 0 : 1;
    }

    /**
     * Prints the line of one server, {@code <name> stopped} or {@code <name> running <where>
     * <version>} with the version it reports or why it does not answer; false when it is stopped or
     * does not answer.
     */
    private static <S> boolean printLine(
            String name,
            Optional<S> server,
            Function<S, String> where,
            Function<S, String> version) {
        if (server.isEmpty()) {
            System.out.println(name + "  stopped");
            return false;
        }
        String reported;
        boolean answers = true;
        try {
            reported = version.apply(server.get());
        } catch (IllegalStateException e) {
            reported = "NOT ANSWERING: " + e.getMessage();
            answers = false;
        }
        System.out.printf("%s  running  %s  %s%n", name, where.apply(server.get()), reported);
        return answers;
    }

    /**
     * {@code KEY=value} lines for a shell to source; 1 (and nothing on stdout) when a server is
     * down.
     */
    int env() {
        Optional<PostgresServer> pg = PostgresServer.running(pgHome);
        boolean clustered = cluster.state().isPresent();
        Optional<String> ch =
                clustered
                        ? cluster.entry().map(ClickHouseServer::httpUrl)
                        : LocalServers.modern()
                                ? ChdbServer.running(chModernHome).map(ChdbServer::httpUrl)
                                : ClickHouseServer.running(chHome).map(ClickHouseServer::httpUrl);
        if (pg.isEmpty() || ch.isEmpty()) {
            System.err.println(
                    "sluice: "
                            + (pg.isEmpty() ? "Postgres" : "ClickHouse")
                            + " is not running; start the local servers with ./sluice up");
            return 1;
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("SLUICE_PG_HOST", pg.get().host());
        env.put("SLUICE_PG_PORT", Integer.toString(pg.get().port()));
        env.put("SLUICE_PG_DATABASE", LocalServers.PG_DATABASE);
        env.put("SLUICE_PG_USER", pg.get().user());
        env.put("SLUICE_PG_PASSWORD", pg.get().password());
        env.put("SLUICE_PG_BIN", pg.get().binDir().toString());
        env.put("SLUICE_CLICKHOUSE_URL", ch.get());
        env.put("SLUICE_CLICKHOUSE_DATABASE", LocalServers.CH_DATABASE);
        env.put("SLUICE_CLICKHOUSE_USER", "default");
        env.put("SLUICE_CLICKHOUSE_PASSWORD", "");
        env.put("SLUICE_CLICKHOUSE_CLUSTER", clustered ? ClickHouseCluster.NAME : "");
        env.forEach((k, v) -> System.out.println(k + "=" + shellQuoted(v)));
        return 0;
    }

    /** The value as is when a shell reads it literally, else single-quoted. */
    static String shellQuoted(String value) {
        return SHELL_SAFE.matcher(value).matches()
                ? value
                : "'" + value.replace("'", "'\\''") + "'";
    }
}
