package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Debezium 3.6 Postgres connector writing Debezium-JSON change topics to a Kafka broker, in its
 * own JVM ({@code io.sluice.peer.DebeziumToKafka} on the peer module's class path), as Debezium
 * Server or Kafka Connect would. It keeps its source offsets in a file under {@code dir}, so a
 * restart resumes where it stopped (at-least-once: a kill may send the last batch again).
 */
public final class DebeziumConnector implements AutoCloseable {
    private final List<String> command;
    private final String password;
    private final Path dir;
    private Process process;
    private int starts;

    private DebeziumConnector(List<String> command, String password, Path dir) {
        this.command = command;
        this.password = password;
        this.dir = dir;
    }

    /**
     * Starts a connector on {@code database} of {@code postgres} for {@code tables} (schema.name),
     * on its own slot and publication, writing to {@code topicPrefix}.schema.table.
     */
    public static DebeziumConnector start(
            Path dir,
            TestPostgres postgres,
            String database,
            String slot,
            List<String> tables,
            String topicPrefix,
            KafkaBroker broker)
            throws IOException {
        Files.createDirectories(dir);
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx384m");
        command.add("-cp");
        command.add(PeerClasspath.get());
        command.add("io.sluice.peer.DebeziumToKafka");
        command.add("pg-host=" + postgres.host());
        command.add("pg-port=" + postgres.port());
        command.add("pg-db=" + database);
        command.add("pg-user=" + postgres.user());
        command.add("slot=" + slot);
        command.add("publication=" + slot);
        command.add("tables=" + String.join(",", tables));
        command.add("topic-prefix=" + topicPrefix);
        command.add("bootstrap=" + broker.bootstrapServers());
        command.add("offsets=" + dir.resolve("offsets.dat"));
        DebeziumConnector connector = new DebeziumConnector(command, postgres.password(), dir);
        connector.start();
        return connector;
    }

    /** Starts the connector (again); it resumes from its offsets file. */
    public void start() throws IOException {
        ProcessBuilder b = new ProcessBuilder(command);
        b.environment().put("PEER_PG_PASSWORD", password);
        b.redirectErrorStream(true);
        starts++;
        b.redirectOutput(log().toFile());
        process = b.start();
    }

    private Path log() {
        return dir.resolve("connector-" + Math.max(starts, 1) + ".log");
    }

    /** Fails with the connector's log when it has exited (it runs until stopped). */
    public void checkAlive() {
        if (process != null && !process.isAlive()) {
            throw new IllegalStateException(
                    "the Debezium connector exited with "
                            + process.exitValue()
                            + ": "
                            + Processes.tail(log(), 0, 40));
        }
    }

    /** The connector's log so far, for failure messages. */
    public String logTail() {
        return Processes.tail(log(), 0, 40);
    }

    /** Kills the connector (SIGKILL): its last batch may be sent again by the next start. */
    public void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
