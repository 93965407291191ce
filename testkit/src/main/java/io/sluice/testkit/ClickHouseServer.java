package io.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * A real ClickHouse server: the machine's {@code clickhouse-server} (Debian package, 18.16) started
 * as a private process with a generated configuration, on loopback ports, with all its state under
 * the home directory. It runs in its own session, so it outlives this JVM (and a Ctrl-C in the
 * terminal that started it) until {@link #stop()}.
 *
 * <p>ClickHouse 18.16 runs as root without complaint, so unlike Postgres it is not given to the
 * {@code sluice} user.
 */
public final class ClickHouseServer implements AutoCloseable {
    static final Path SERVER_BINARY = Path.of("/usr/sbin/clickhouse-server");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final HttpClient HTTP = newClient();

    /**
     * The JDK client keeps an idle connection for 1,200 s; the servers close theirs after 3 s
     * ({@code keep_alive_timeout}). A request sent on a pooled connection just as the server closes
     * it gets no bytes back, and a statement that writes is not sent again (it may have run), so
     * the client drops idle connections after 2 s unless the JVM was told otherwise. The pool reads
     * the property once, when the JVM builds its first JDK HTTP client.
     */
    private static HttpClient newClient() {
        if (System.getProperty("jdk.httpclient.keepalive.timeout") == null) {
            System.setProperty("jdk.httpclient.keepalive.timeout", "2");
        }
        return HttpClient.newBuilder()
                // ClickHouse 18.16 speaks HTTP/1.1 only; do not offer it an h2c upgrade.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private final Path home;
    private final int httpPort;
    private final int tcpPort;
    private final long pid;

    private ClickHouseServer(Path home, int httpPort, int tcpPort, long pid) {
        this.home = home;
        this.httpPort = httpPort;
        this.tcpPort = tcpPort;
        this.pid = pid;
    }

    /** Starts a server with its state in {@code home}; a port of 0 picks a free one. */
    public static ClickHouseServer start(Path home, int httpPort, int tcpPort) {
        return start(home, httpPort, tcpPort, "");
    }

    /**
     * As above, with {@code extra} configuration elements: a cluster member's ZooKeeper, macros,
     * interserver port and {@code remote_servers} ({@link ClickHouseCluster}).
     */
    public static ClickHouseServer start(Path home, int httpPort, int tcpPort, String extra) {
        if (!Files.isExecutable(SERVER_BINARY)) {
            throw new IllegalStateException(
                    "clickhouse-server is not installed (apt-get install clickhouse-server)");
        }
        Path abs = home.toAbsolutePath();
        Optional<ClickHouseServer> already = running(abs);
        if (already.isPresent()) {
            throw new IllegalStateException(
                    "ClickHouse cannot start in "
                            + abs
                            + ": a server is already running there (pid "
                            + already.get().pid
                            + ", HTTP port "
                            + already.get().httpPort
                            + "); stop it first");
        }
        int http = httpPort == 0 ? Processes.freePort() : httpPort;
        int tcp = tcpPort == 0 ? Processes.freePort() : tcpPort;
        for (int port : List.of(http, tcp)) {
            if (Processes.portInUse(port)) {
                throw new PortInUseException("ClickHouse", port);
            }
        }
        Path errorLog = abs.resolve("log/error.log");
        Path stdout = abs.resolve("log/stdout.log");
        long errorLogStart = Processes.sizeOf(errorLog);
        Process process;
        try {
            for (String dir : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
                Files.createDirectories(abs.resolve(dir));
            }
            Files.writeString(
                    abs.resolve("config.xml"), ClickHouseConfig.server(abs, http, tcp, extra));
            Files.writeString(abs.resolve("users.xml"), ClickHouseConfig.users());
            // setsid: its own session, so that signals for the launcher's terminal (Ctrl-C,
            // hang-up) do not reach the server. It execs in place (we are not a process group
            // leader), so the pid we get is the server's.
            process =
                    new ProcessBuilder(
                                    "setsid",
                                    SERVER_BINARY.toString(),
                                    "--config-file=" + abs.resolve("config.xml"))
                            .directory(abs.toFile())
                            .redirectInput(new File("/dev/null"))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                            .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "ClickHouse could not be set up in "
                            + abs
                            + " (HTTP port "
                            + http
                            + "): "
                            + e.getMessage(),
                    e);
        }
        ClickHouseServer server = new ClickHouseServer(abs, http, tcp, process.pid());
        awaitPing(server, process, errorLog, errorLogStart);
        server.writeState();
        return server;
    }

    /** Polls {@code /ping} until it answers, the process dies, or the start timeout passes. */
    private static void awaitPing(
            ClickHouseServer server, Process process, Path errorLog, long errorLogStart) {
        Daemons.awaitReady(
                "ClickHouse",
                process,
                server::ping,
                START_TIMEOUT,
                " (HTTP port " + server.httpPort + ", TCP port " + server.tcpPort + ")",
                errorLog,
                errorLogStart);
    }

    /** The server whose state is in {@code home}, if one is running there. */
    public static Optional<ClickHouseServer> running(Path home) {
        Path abs = home.toAbsolutePath();
        return Daemons.readState(abs)
                .flatMap(
                        p -> {
                            long pid = Daemons.number(p, "pid", abs);
                            int http = (int) Daemons.number(p, "http_port", abs);
                            int tcp = (int) Daemons.number(p, "tcp_port", abs);
                            return Processes.liveCommandLine(
                                            pid, "--config-file=" + abs.resolve("config.xml"))
                                    .map(args -> new ClickHouseServer(abs, http, tcp, pid));
                        });
    }

    /** Records pid and ports so that {@link #running} finds the server from another process. */
    private void writeState() {
        Properties p = new Properties();
        p.setProperty("pid", Long.toString(pid));
        p.setProperty("http_port", Integer.toString(httpPort));
        p.setProperty("tcp_port", Integer.toString(tcpPort));
        Daemons.writeState(home, p, "ClickHouse started by io.sluice.testkit.ClickHouseServer");
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public int tcpPort() {
        return tcpPort;
    }

    public long pid() {
        return pid;
    }

    public Path home() {
        return home;
    }

    /** Whether the server answers {@code GET /ping} with {@code Ok.}. */
    public boolean ping() {
        return ping(httpUrl());
    }

    /** Whether the ClickHouse HTTP endpoint at {@code url} answers {@code GET /ping} with Ok. */
    static boolean ping(String url) {
        try {
            HttpResponse<String> r =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(url + "/ping"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().startsWith("Ok.");
        } catch (IOException notAnswering) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while pinging ClickHouse", e);
        }
    }

    /** The server's version, e.g. {@code 18.16.1}. */
    public String version() {
        return query("SELECT version()").strip();
    }

    /** Runs a statement over HTTP as user {@code default}; returns the body (TabSeparated). */
    public String query(String sql) {
        return query(httpUrl(), "default", "", sql);
    }

    /**
     * As {@link #query(String)}, with query-level settings (18.16 takes them as URL parameters, not
     * in an INSERT's SETTINGS clause).
     */
    public String query(String sql, java.util.Map<String, String> settings) {
        StringBuilder url = new StringBuilder(httpUrl().replaceAll("/+$", "")).append("/?");
        settings.forEach(
                (k, v) ->
                        url.append(java.net.URLEncoder.encode(k, StandardCharsets.UTF_8))
                                .append('=')
                                .append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8))
                                .append('&'));
        return query(url.toString(), "default", "", sql);
    }

    /**
     * Runs a statement against the ClickHouse at {@code url} with a plain HTTP POST; returns the
     * body, or throws with the server's message when it answers other than 200.
     */
    static String query(String url, String user, String password, String sql) {
        String auth =
                Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpRequest request =
                HttpRequest.newBuilder(
                                URI.create(
                                        url.contains("?") ? url : url.replaceAll("/+$", "") + "/"))
                        .header("Authorization", "Basic " + auth)
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                        .build();
        try {
            HttpResponse<String> r = send(request, sql);
            if (r.statusCode() != 200) {
                throw new IllegalStateException(
                        "ClickHouse at "
                                + url
                                + " answered "
                                + r.statusCode()
                                + " to `"
                                + sql
                                + "`: "
                                + r.body().strip());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("ClickHouse at " + url + " is unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during a ClickHouse query", e);
        }
    }

    /** Statements that leave the same result when run twice, so they may be sent again too. */
    private static final java.util.regex.Pattern IDEMPOTENT_DDL =
            java.util.regex.Pattern.compile(
                    "(CREATE (DATABASE|TABLE) IF NOT EXISTS|DROP (DATABASE|TABLE) IF EXISTS)\\s");

    /**
     * Sends the request; a read whose pooled connection the server had closed while idle (its
     * keep-alive ended: no bytes came back) is sent once more, and so is a {@code CREATE ... IF NOT
     * EXISTS} or {@code DROP ... IF EXISTS}. Any other statement that writes is not: it may have
     * run.
     */
    private static HttpResponse<String> send(HttpRequest request, String sql)
            throws IOException, InterruptedException {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            String head = sql.stripLeading().toUpperCase(java.util.Locale.ROOT);
            boolean read =
                    head.startsWith("SELECT")
                            || head.startsWith("WITH")
                            || head.startsWith("SHOW")
                            || head.startsWith("EXISTS")
                            || IDEMPOTENT_DDL.matcher(head).lookingAt();
            String m = String.valueOf(e.getMessage());
            if (!read
                    || !(m.contains("received no bytes")
                            || m.contains("Connection reset")
                            || m.contains("Broken pipe"))) {
                throw e;
            }
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
    }

    /** Stops the server (SIGTERM, then SIGKILL after 30 s); does nothing when it is not running. */
    public void stop() {
        running(home).ifPresent(s -> Daemons.stop("ClickHouse", s.pid));
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "ClickHouse on " + httpUrl() + " (pid " + pid + ", " + home + ")";
    }
}
