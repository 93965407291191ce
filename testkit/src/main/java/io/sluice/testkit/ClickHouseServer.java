package io.sluice.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A real ClickHouse server: the machine's {@code clickhouse-server} (Debian package) started as
 * a private process with a generated configuration, on loopback ports, with all its data under
 * the home directory. It outlives this JVM until {@link #stop()}.
 */
public final class ClickHouseServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/clickhouse");
    static final Path SERVER_BINARY = Path.of("/usr/sbin/clickhouse-server");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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

    /** Starts a server with its state in {@code home}; port 0 picks a free one. */
    public static ClickHouseServer start(Path home, int httpPort, int tcpPort) {
        Path server = Files.isExecutable(SERVER_BINARY) ? SERVER_BINARY : null;
        if (server == null) {
            throw new IllegalStateException(
                    "clickhouse-server is not installed (apt-get install clickhouse-server); ./sluice test and ./sluice up install it");
        }
        int http = httpPort == 0 ? Processes.freePort() : httpPort;
        int tcp = tcpPort == 0 ? Processes.freePort() : tcpPort;
        for (int port : List.of(http, tcp)) {
            if (Processes.portInUse(port)) {
                throw new IllegalStateException(
                        "ClickHouse cannot start: port " + port + " on 127.0.0.1 is already in use"
                                + " (set SLUICE_CH_HTTP_PORT / SLUICE_CH_TCP_PORT to other ports)");
            }
        }
        Path abs = home.toAbsolutePath();
        Path log = abs.resolve("log");
        try {
            for (String dir : List.of("data", "tmp", "user_files", "format_schemas", "log")) {
                Files.createDirectories(abs.resolve(dir));
            }
            Files.writeString(abs.resolve("config.xml"), config(abs, http, tcp));
            Files.writeString(abs.resolve("users.xml"), USERS);
            Process p =
                    new ProcessBuilder(server.toString(), "--config-file=" + abs.resolve("config.xml"))
                            .redirectErrorStream(true)
                            .redirectOutput(log.resolve("stdout.log").toFile())
                            .start();
            ClickHouseServer ch = new ClickHouseServer(abs, http, tcp, p.pid());
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ch.ping()) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(
                            "ClickHouse exited while starting (HTTP port " + http + ", TCP port " + tcp + "):\n"
                                    + Processes.tail(log.resolve("stderr.log"), 15) + "\n" + Processes.tail(log.resolve("stdout.log"), 15));
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException(
                            "ClickHouse did not answer on HTTP port " + http + " within 60 s:\n" + Processes.tail(log.resolve("stderr.log"), 15));
                }
                Thread.sleep(200); // polling the server's /ping until it is up, with a deadline
            }
            Files.writeString(abs.resolve("server.pid"), Long.toString(p.pid()));
            Files.writeString(abs.resolve("ports"), http + " " + tcp);
            return ch;
        } catch (IOException e) {
            throw new IllegalStateException("ClickHouse cannot start in " + home + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while ClickHouse was starting", e);
        }
    }

    /** The server whose state is in {@code home}, if one is running there. */
    public static ClickHouseServer running(Path home) {
        Path abs = home.toAbsolutePath();
        try {
            if (!Files.exists(abs.resolve("server.pid")) || !Files.exists(abs.resolve("ports"))) {
                return null;
            }
            long pid = Long.parseLong(Files.readString(abs.resolve("server.pid")).trim());
            String[] ports = Files.readString(abs.resolve("ports")).trim().split(" ");
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isEmpty() || !h.get().isAlive()) {
                return null;
            }
            return new ClickHouseServer(abs, Integer.parseInt(ports[0]), Integer.parseInt(ports[1]), pid);
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private static String config(Path home, int http, int tcp) {
        return "<?xml version=\"1.0\"?>\n<yandex>\n"
                + "  <logger><level>warning</level><log>" + home.resolve("log/server.log") + "</log>"
                + "<errorlog>" + home.resolve("log/stderr.log") + "</errorlog><size>100M</size><count>2</count></logger>\n"
                + "  <http_port>" + http + "</http_port>\n"
                + "  <tcp_port>" + tcp + "</tcp_port>\n"
                + "  <listen_host>127.0.0.1</listen_host>\n"
                + "  <path>" + home.resolve("data") + "/</path>\n"
                + "  <tmp_path>" + home.resolve("tmp") + "/</tmp_path>\n"
                + "  <user_files_path>" + home.resolve("user_files") + "/</user_files_path>\n"
                + "  <format_schema_path>" + home.resolve("format_schemas") + "/</format_schema_path>\n"
                + "  <users_config>" + home.resolve("users.xml") + "</users_config>\n"
                + "  <default_profile>default</default_profile>\n"
                + "  <default_database>default</default_database>\n"
                + "  <timezone>UTC</timezone>\n"
                + "  <mark_cache_size>268435456</mark_cache_size>\n"
                + "  <max_concurrent_queries>100</max_concurrent_queries>\n"
                + "</yandex>\n";
    }

    private static final String USERS =
            "<?xml version=\"1.0\"?>\n<yandex>\n"
                    + "  <profiles><default><max_memory_usage>4000000000</max_memory_usage>"
                    + "<allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type></default></profiles>\n"
                    + "  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>"
                    + "<profile>default</profile><quota>default</quota></default></users>\n"
                    + "  <quotas><default></default></quotas>\n"
                    + "</yandex>\n";

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

    public boolean ping() {
        try {
            HttpResponse<String> r =
                    HTTP.send(HttpRequest.newBuilder(URI.create(httpUrl() + "/ping")).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().startsWith("Ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String version() {
        return query("SELECT version()").strip();
    }

    /** Runs a statement over plain HTTP; returns the body, or throws with the server's message. */
    public String query(String sql) {
        return query(httpUrl(), "default", "", sql);
    }

    static String query(String url, String user, String password, String sql) {
        try {
            HttpResponse<String> r =
                    HTTP.send(
                            HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/"))
                                    .header("X-ClickHouse-User", user)
                                    .header("X-ClickHouse-Key", password)
                                    .timeout(Duration.ofSeconds(120))
                                    .POST(HttpRequest.BodyPublishers.ofString(sql, StandardCharsets.UTF_8))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("ClickHouse at " + url + " rejected `" + sql + "`: " + r.body().strip());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("ClickHouse at " + url + " is unreachable: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public void stop() {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty()) {
            return;
        }
        h.get().destroy();
        try {
            h.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            h.get().destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
