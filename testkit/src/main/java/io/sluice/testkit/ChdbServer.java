package io.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A modern ClickHouse (26.x) for the tests: the chDB engine (the npm package {@code chdb}, whose
 * {@code libchdb.so} is ClickHouse built as a library) behind {@code chdb-http.js}, a Node adapter
 * for the part of ClickHouse's HTTP interface that Sluice uses. It runs as a private process on a
 * loopback port with its data in the home directory, in its own session like {@link
 * ClickHouseServer}, until {@link #stop()}.
 *
 * <p>It is the ClickHouse SQL engine, not the server: queries run one at a time, there is no HTTP
 * compression, no native protocol and no HTTP sessions. The script's header and docs/versions.md
 * say exactly what it does and does not reproduce.
 *
 * <p>The package is installed by the launcher ({@code ./sluice test} runs {@value #INSTALL}) into
 * {@code .sluice/chdb} of the repository; {@code SLUICE_CHDB_DIR} (or the system property {@code
 * sluice.chdb.dir}) names another npm prefix that holds it.
 */
public final class ChdbServer implements AutoCloseable {
    /** The chdb release the launcher installs: its engine reports ClickHouse 26.7. */
    public static final String CHDB_PACKAGE = "chdb@3.4.0";

    /** The install command, run in the repository root. */
    public static final String INSTALL = "npm install --prefix .sluice/chdb chdb@3.4.0";

    static final String SCRIPT = "chdb-http.js";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path home;
    private final int httpPort;
    private final long pid;

    private ChdbServer(Path home, int httpPort, long pid) {
        this.home = home;
        this.httpPort = httpPort;
        this.pid = pid;
    }

    /**
     * The {@code node_modules/chdb} directory of the installed package: under {@code
     * SLUICE_CHDB_DIR} when set, else under {@code .sluice/chdb} of the working directory or of one
     * of its parents (a module's tests run in the module's directory).
     */
    public static Path chdbModule() {
        String configured = System.getProperty("sluice.chdb.dir", System.getenv("SLUICE_CHDB_DIR"));
        if (configured != null && !configured.isBlank()) {
            Path module = Path.of(configured).toAbsolutePath().resolve("node_modules/chdb");
            if (!Files.isRegularFile(module.resolve("package.json"))) {
                throw new IllegalStateException(
                        "chDB is not installed in SLUICE_CHDB_DIR="
                                + configured
                                + " (no "
                                + module
                                + "): run npm install --prefix "
                                + configured
                                + " "
                                + CHDB_PACKAGE);
            }
            return module;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path module = dir.resolve(".sluice/chdb/node_modules/chdb");
            if (Files.isRegularFile(module.resolve("package.json"))) {
                return module;
            }
        }
        throw new IllegalStateException(
                "chDB (ClickHouse 26.x for the tests) is not installed: run `"
                        + INSTALL
                        + "` in the repository root (./sluice test does it), or set"
                        + " SLUICE_CHDB_DIR to an npm prefix that holds "
                        + CHDB_PACKAGE);
    }

    /** Starts the adapter with its data in {@code home}; a port of 0 picks a free one. */
    public static ChdbServer start(Path home, int httpPort) {
        Path module = chdbModule();
        Path abs = home.toAbsolutePath();
        Optional<ChdbServer> already = running(abs);
        if (already.isPresent()) {
            throw new IllegalStateException(
                    "chDB cannot start in "
                            + abs
                            + ": an adapter is already running there (pid "
                            + already.get().pid
                            + ", HTTP port "
                            + already.get().httpPort
                            + "); stop it first");
        }
        int http = httpPort == 0 ? Processes.freePort() : httpPort;
        if (Processes.portInUse(http)) {
            throw new PortInUseException("chDB", http);
        }
        Path log = abs.resolve("log/chdb-http.log");
        long logStart = Processes.sizeOf(log);
        Process process;
        try {
            Files.createDirectories(abs.resolve("log"));
            Path script = abs.resolve(SCRIPT);
            try (InputStream in = ChdbServer.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException(
                            SCRIPT + " is missing from the testkit's resources");
                }
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
            List<String> command =
                    List.of(
                            "setsid",
                            "node",
                            script.toString(),
                            "--port",
                            Integer.toString(http),
                            "--data",
                            abs.resolve("data").toString(),
                            "--chdb",
                            module.toString());
            if (System.getenv("SLUICE_CHDB_LOG_REQUESTS") != null) {
                command = new java.util.ArrayList<>(command);
                command.add("--log-requests");
            }
            // setsid: its own session, as ClickHouseServer explains; it execs in place, so the pid
            // is node's.
            process =
                    new ProcessBuilder(command)
                            .directory(abs.toFile())
                            .redirectInput(new File("/dev/null"))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "chDB could not be set up in "
                            + abs
                            + " (HTTP port "
                            + http
                            + "; it needs node on the PATH, Node.js 18 or newer): "
                            + e.getMessage(),
                    e);
        }
        ChdbServer server = new ChdbServer(abs, http, process.pid());
        Daemons.awaitReady(
                "chDB (" + SCRIPT + ")",
                process,
                server::ping,
                START_TIMEOUT,
                " (HTTP port " + http + ")",
                log,
                logStart);
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(server.pid));
        p.setProperty("http_port", Integer.toString(http));
        Daemons.writeState(abs, p, "chdb-http started by io.sluice.testkit.ChdbServer");
        return server;
    }

    /** The adapter whose state is in {@code home}, if one is running there. */
    public static Optional<ChdbServer> running(Path home) {
        Path abs = home.toAbsolutePath();
        return Daemons.readState(abs)
                .flatMap(
                        p -> {
                            long pid = Daemons.number(p, "pid", abs);
                            int http = (int) Daemons.number(p, "http_port", abs);
                            return Processes.liveCommandLine(pid, abs.resolve(SCRIPT).toString())
                                    .map(args -> new ChdbServer(abs, http, pid));
                        });
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return pid;
    }

    public Path home() {
        return home;
    }

    /** Whether the adapter answers {@code GET /ping} with {@code Ok.}. */
    public boolean ping() {
        return ClickHouseServer.ping(httpUrl());
    }

    /** The engine's version, e.g. {@code 26.7.2.1}. */
    public String version() {
        return query("SELECT version()").strip();
    }

    /** Runs a statement over HTTP as user {@code default}; returns the body (TabSeparated). */
    public String query(String sql) {
        return ClickHouseServer.query(httpUrl(), "default", "", sql);
    }

    /** Stops the adapter (SIGTERM, then SIGKILL after 30 s); nothing when it is not running. */
    public void stop() {
        running(home).ifPresent(s -> Daemons.stop("chDB", s.pid));
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "chDB (ClickHouse engine) on " + httpUrl() + " (pid " + pid + ", " + home + ")";
    }
}
