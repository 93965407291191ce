package io.sluice.testkit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
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

    LocalServersReport(Path pgHome, Path chHome, Path chModernHome) {
        this.pgHome = pgHome;
        this.chHome = chHome;
        this.chModernHome = chModernHome;
    }

    /** One line per server; 1 when either is not running or not answering. */
    int status() {
        boolean up = true;
        Optional<PostgresServer> pg = PostgresServer.running(pgHome);
        if (pg.isEmpty()) {
            System.out.println("postgres    stopped");
            up = false;
        } else {
            Version version = Version.of(() -> "PostgreSQL " + pg.get().version());
            up &= version.answering();
            System.out.printf(
                    "postgres    running  port %d  pid %d  %s%n",
                    pg.get().port(), pg.get().pid(), version.text());
        }
        Optional<ChdbServer> modern = ChdbServer.running(chModernHome);
        if (modern.isPresent() || LocalServers.modern()) {
            if (modern.isEmpty()) {
                System.out.println("clickhouse-modern  stopped");
                up = false;
            } else {
                Version version =
                        Version.of(() -> "ClickHouse " + modern.get().version() + " (chDB)");
                up &= version.answering() || !LocalServers.modern();
                System.out.printf(
                        "clickhouse-modern  running  port %d (http)  pid %d  %s%n",
                        modern.get().httpPort(), modern.get().pid(), version.text());
            }
            if (LocalServers.modern()) {
                return up ? 0 : 1;
            }
        }
        Optional<ClickHouseServer> ch = ClickHouseServer.running(chHome);
        if (ch.isEmpty()) {
            System.out.println("clickhouse  stopped");
            up = false;
        } else {
            Version version = Version.of(() -> "ClickHouse " + ch.get().version());
            up &= version.answering();
            System.out.printf(
                    "clickhouse  running  port %d (http), %d (tcp)  pid %d  %s%n",
                    ch.get().httpPort(), ch.get().tcpPort(), ch.get().pid(), version.text());
        }
        return up ? 0 : 1;
    }

    /**
     * {@code KEY=value} lines for a shell to source; 1 (and nothing on stdout) when a server is
     * down.
     */
    int env() {
        Optional<PostgresServer> pg = PostgresServer.running(pgHome);
        Optional<String> ch =
                LocalServers.modern()
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
        env.forEach((k, v) -> System.out.println(k + "=" + shellQuoted(v)));
        return 0;
    }

    /** The value as is when a shell reads it literally, else single-quoted. */
    static String shellQuoted(String value) {
        return SHELL_SAFE.matcher(value).matches()
                ? value
                : "'" + value.replace("'", "'\\''") + "'";
    }

    /** What a running server says its version is, or why it does not answer. */
    private record Version(String text, boolean answering) {
        static Version of(Supplier<String> ask) {
            try {
                return new Version(ask.get(), true);
            } catch (IllegalStateException e) {
                return new Version("NOT ANSWERING: " + e.getMessage(), false);
            }
        }
    }
}
