package io.sluice.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * S3Proxy, a real S3 API server, in its own JVM on a free loopback port, storing objects as files
 * under {@code dir/blobs/<bucket>/<key>} (the jclouds filesystem provider). Requests must be signed
 * with the given access key and secret (AWS signature v2 or v4).
 */
public final class S3ProxyServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path blobs;

    private S3ProxyServer(Process process, int port, Path blobs) {
        this.process = process;
        this.port = port;
        this.blobs = blobs;
    }

    /** Starts the server with the buckets already created. */
    public static S3ProxyServer start(
            Path dir, String accessKey, String secretKey, List<String> buckets) throws IOException {
        Path blobs = dir.resolve("blobs");
        for (String bucket : buckets) {
            Files.createDirectories(blobs.resolve(bucket));
        }
        int port = Processes.freePort();
        Path properties = dir.resolve("s3proxy.properties");
        Files.writeString(
                properties,
                String.join(
                        "\n",
                        "s3proxy.endpoint=http://127.0.0.1:" + port,
                        "s3proxy.authorization=aws-v2-or-v4",
                        "s3proxy.identity=" + accessKey,
                        "s3proxy.credential=" + secretKey,
                        "jclouds.provider=filesystem",
                        "jclouds.filesystem.basedir=" + blobs,
                        ""));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-cp");
        command.add(classpath());
        command.add("org.gaul.s3proxy.Main");
        command.add("--properties");
        command.add(properties.toString());
        Path log = dir.resolve("s3proxy.log");
        Process p =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        S3ProxyServer server = new S3ProxyServer(p, port, blobs);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Processes.portInUse(port)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                server.close();
                throw new IllegalStateException(
                        "S3Proxy did not start on port "
                                + port
                                + (p.isAlive() ? " within 60 s" : " (it exited)")
                                + "; its log:\n"
                                + Processes.tail(log, 0, 30));
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while S3Proxy started", e);
            }
        }
        return server;
    }

    private static String classpath() throws IOException {
        try (InputStream in =
                S3ProxyServer.class.getResourceAsStream("/io/sluice/testkit/s3proxy.classpath")) {
            if (in == null) {
                throw new IllegalStateException(
                        "s3proxy.classpath is missing from the testkit: rebuild it (mvn -pl testkit"
                                + " install)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** The directory holding a bucket's objects, one file per key. */
    public Path bucketDir(String bucket) {
        return blobs.resolve(bucket);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
