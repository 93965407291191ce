package io.sluice.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Readies the home directory of a {@link PostgresServer} before each start: its directories, the
 * binaries of the requested version, the cluster in {@code data/} ({@code initdb}-ed on first
 * start) and the settings file; the directories the server writes are owned by the service user.
 */
final class PostgresHome {
    /** Settings for a CDC source on a test machine: logical WAL, no durability needed. */
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("listen_addresses", PostgresServer.HOST);
        DEFAULTS.put("wal_level", "logical");
        // One test JVM runs dozens of CDC jobs against one server, and a job's slot outlives it
        // (tests that restart from a checkpoint need it): room for every test module's slots.
        DEFAULTS.put("max_replication_slots", "40");
        DEFAULTS.put("max_wal_senders", "40");
        DEFAULTS.put("max_connections", "200");
        DEFAULTS.put("shared_buffers", "128MB");
        DEFAULTS.put("fsync", "off");
        DEFAULTS.put("synchronous_commit", "off");
        DEFAULTS.put("full_page_writes", "off");
        DEFAULTS.put("timezone", "UTC");
    }

    private PostgresHome() {}

    /**
     * Readies {@code abs} for a server on {@code port} with {@code settings} over the defaults, the
     * binaries of {@code major} (0: those on the classpath) in {@code binaryCache}; returns their
     * {@code bin} directory.
     */
    static Path prepare(
            Path abs, int port, Map<String, String> settings, Path binaryCache, int major)
            throws IOException {
        Files.createDirectories(abs);
        Processes.makeReachableByServiceUser(abs);
        Path install =
                major == 0
                        ? PostgresBinaries.install(binaryCache)
                        : PostgresBinaries.install(binaryCache, major);
        Processes.makeReachableByServiceUser(install);
        Path bin = install.resolve("bin");
        for (String dir : List.of("run", "log")) {
            Files.createDirectories(abs.resolve(dir));
            Processes.chownToServiceUser(abs.resolve(dir));
        }
        if (!Files.exists(abs.resolve("data/PG_VERSION"))) {
            initdb(bin, abs.resolve("data"));
        }
        Map<String, String> all = new LinkedHashMap<>(DEFAULTS);
        all.putAll(settings);
        all.put("port", Integer.toString(port));
        all.put("unix_socket_directories", abs.resolve("run").toString());
        writeSettings(abs.resolve("data"), all);
        return bin;
    }

    private static void initdb(Path bin, Path data) throws IOException {
        // A data directory without PG_VERSION is what a failed initdb leaves: initdb needs it
        // empty.
        Processes.deleteTree(data);
        Files.createDirectories(data);
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Processes.chownToServiceUser(data);
        Processes.Result r =
                Processes.run(
                        Processes.asServiceUser(
                                List.of(
                                        bin.resolve("initdb").toString(),
                                        "-D",
                                        data.toString(),
                                        "--username=postgres",
                                        "--auth=trust",
                                        "--encoding=UTF8",
                                        "--locale=C",
                                        "--no-sync",
                                        "--no-instructions")),
                        180);
        if (!r.ok()) {
            throw new IOException("initdb failed for " + data + ":\n" + r.output());
        }
    }

    /**
     * Writes the settings to {@code data/sluice.conf}, included from postgresql.conf, rather than
     * passing them on pg_ctl's command line: they then also hold for a manual {@code pg_ctl
     * restart}, and no value goes through a shell.
     */
    private static void writeSettings(Path data, Map<String, String> settings) throws IOException {
        StringBuilder conf =
                new StringBuilder("# Written by io.sluice.testkit.PostgresServer at each start.\n");
        settings.forEach(
                (k, v) -> conf.append(k).append(" = '").append(v.replace("'", "''")).append("'\n"));
        Path file = data.resolve("sluice.conf");
        Files.writeString(file, conf);
        Processes.chownToServiceUser(file);
        Path main = data.resolve("postgresql.conf");
        String include = "include 'sluice.conf'";
        if (!Files.readString(main, StandardCharsets.UTF_8).contains(include)) {
            Files.writeString(main, "\n" + include + "\n", java.nio.file.StandardOpenOption.APPEND);
        }
    }
}
