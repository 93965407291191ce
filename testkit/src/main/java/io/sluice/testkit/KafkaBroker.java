package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real Kafka broker (Apache Kafka 4, {@code kafka.Kafka}) in KRaft mode, one node that is broker
 * and controller, in its own JVM on free loopback ports, with its log under {@code dir}. It runs
 * from the class path of the peer module ({@code peer/target/classpath.txt}, built by {@code mvn
 * package} before the jobs module), where Kafka 4 does not meet the jobs' Kafka 3 client.
 *
 * <p>{@link #kill()} and {@link #start()} restart it on the same ports and log: what a broker
 * restart does to its clients.
 */
public final class KafkaBroker implements AutoCloseable {
    /** Any valid base64 UUID; one cluster per log directory. */
    private static final String CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk";

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final Path properties;
    private Process process;
    private int starts;

    private KafkaBroker(Path dir) {
        this.dir = dir;
        this.port = Processes.freePort();
        this.controllerPort = Processes.freePort();
        this.properties = dir.resolve("server.properties");
    }

    /** Formats a log directory under {@code dir} and starts the broker on it. */
    public static KafkaBroker start(Path dir) throws IOException {
        Files.createDirectories(dir);
        KafkaBroker broker = new KafkaBroker(dir);
        broker.configure();
        Processes.Result format =
                Processes.run(
                        broker.java(
                                "kafka.tools.StorageTool",
                                "format",
                                "-t",
                                CLUSTER_ID,
                                "-c",
                                broker.properties.toString()),
                        120);
        if (format.exitCode() != 0) {
            throw new IllegalStateException(
                    "formatting the Kafka log directory failed: " + format.output());
        }
        broker.start();
        return broker;
    }

    private void configure() throws IOException {
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dir.resolve("log").toString());
        // Two partitions per topic, so that a job at parallelism 2 reads on both subtasks.
        p.put("num.partitions", "2");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "2");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        StringBuilder text = new StringBuilder();
        p.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Files.writeString(properties, text);
    }

    private List<String> java(String main, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-cp");
        command.add(PeerClasspath.get());
        command.add(main);
        command.addAll(List.of(args));
        return command;
    }

    /** Starts the broker (again) and waits until it accepts connections. */
    public void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the Kafka broker is already running");
        }
        Path log = dir.resolve("broker-" + (++starts) + ".log");
        process =
                new ProcessBuilder(java("kafka.Kafka", properties.toString()))
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile())
                        .start();
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!Files.readString(log).contains("Kafka Server started")) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the Kafka broker exited with "
                                + process.exitValue()
                                + ": "
                                + Processes.tail(log, 0, 30));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "the Kafka broker did not start within 2 minutes: "
                                + Processes.tail(log, 0, 30));
            }
            try {
                Thread.sleep(200); // polling the broker's log for its start line, with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** Kills the broker process (SIGKILL): no clean shutdown, as a crash. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** host:port, as {@code kafka.bootstrap-servers} takes it. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
