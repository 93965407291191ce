package io.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A standalone ZooKeeper (Debian's {@code zookeeper} 3.8 package) on a free loopback port, with its
 * data under {@code dir}: what a replicated ClickHouse needs for its replication log and for {@code
 * ON CLUSTER} DDL.
 */
public final class ZooKeeperServer implements AutoCloseable {
    static final Path SCRIPT = Path.of("/usr/share/zookeeper/bin/zkServer.sh");

    private final Process process;
    private final int port;

    private ZooKeeperServer(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ZooKeeperServer start(Path dir) throws IOException {
        if (!Files.isExecutable(SCRIPT)) {
            throw new IllegalStateException(
                    "ZooKeeper is not installed (" + SCRIPT + "): apt-get install zookeeper");
        }
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs.resolve("data"));
        int port = Processes.freePort();
        Path cfg = abs.resolve("zoo.cfg");
        Files.writeString(
                cfg,
                String.join(
                        "\n",
                        "tickTime=500",
                        "dataDir=" + abs.resolve("data"),
                        "clientPortAddress=127.0.0.1",
                        "clientPort=" + port,
                        "admin.enableServer=false",
                        "4lw.commands.whitelist=srvr",
                        ""));
        Path log = abs.resolve("zookeeper.log");
        ProcessBuilder b =
                new ProcessBuilder("setsid", SCRIPT.toString(), "start-foreground", cfg.toString())
                        .redirectInput(new File("/dev/null"))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        b.environment().put("ZOO_LOG_DIR", abs.toString());
        b.environment().put("JVMFLAGS", "-Xmx256m");
        Process p = b.start();
        ZooKeeperServer server = new ZooKeeperServer(p, port);
        Daemons.awaitReady(
                "ZooKeeper", p, server::ok, Duration.ofSeconds(60), " (port " + port + ")", log, 0);
        return server;
    }

    /**
     * Whether it serves sessions: {@code srvr} reports its mode. {@code ruok} is not enough: it
     * answers {@code imok} as soon as the port listens, while sessions are still refused (their
     * handshake gets no bytes), and a ClickHouse 18.16 whose DDL worker found no session then
     * crashes (a null pointer in {@code zkutil::ZooKeeper::createImpl}) at its first {@code ON
     * CLUSTER} statement.
     */
    boolean ok() {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2_000);
            OutputStream out = s.getOutputStream();
            out.write("srvr".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).contains("Mode: ");
        } catch (IOException notYet) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** The process the server runs under (a shell whose child is the JVM). */
    public long pid() {
        return process.pid();
    }

    /** Stops the server that runs under {@code pid} (from another process than the starter). */
    static void stop(long pid) {
        ProcessHandle.of(pid)
                .ifPresent(
                        h -> {
                            h.descendants().forEach(ProcessHandle::destroy);
                            h.destroy();
                            try {
                                h.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS);
                            } catch (Exception notYet) {
                                h.descendants().forEach(ProcessHandle::destroyForcibly);
                                h.destroyForcibly();
                            }
                        });
    }

    @Override
    public void close() throws InterruptedException {
        // The script's JVM is a child of the setsid'ed shell: stop the whole tree.
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor();
        }
    }
}
