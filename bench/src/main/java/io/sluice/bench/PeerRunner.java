package io.sluice.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer of the benchmark: Debezium's embedded engine into ClickHouse ({@code
 * io.sluice.peer.DebeziumPeer}, module {@code peer}), started as its own process from that module's
 * class path, on the same events table, its own slot and publication. Its figures are those of the
 * mirror job: the snapshot, then, after a stop, the catch-up of the changes written while it was
 * stopped; its CPU is that of its process.
 */
final class PeerRunner {
    static final String SLOT = "sluice_bench_peer";

    private final BenchRun run;
    private final String database;
    private final Path offsets;
    private Process process;
    private int starts;

    PeerRunner(BenchRun run) {
        this.run = run;
        this.database = "bench_peer_" + ProcessHandle.current().pid();
        this.offsets = run.work.resolve("peer-offsets.dat");
    }

    /** The table the peer writes, for {@link Ceilings#count}. */
    String table() {
        return database + ".events";
    }

    /** Starts the peer; it resumes from its offsets when it ran before. */
    void start() throws Exception {
        Path peer = Path.of(Bench.root(), "peer", "target");
        Path classpath = peer.resolve("classpath.txt");
        if (!Files.exists(classpath)) {
            throw new IllegalStateException(
                    classpath.toAbsolutePath()
                            + " is missing: build the peer module first (mvn install)");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The peer runs on the bench JVM's collector, so the comparison is of engines, not of GCs.
        for (String arg :
                java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:+Use") && arg.endsWith("GC")) {
                cmd.add(arg);
            }
        }
        cmd.add("-cp");
        cmd.add(
                peer.resolve("classes").toAbsolutePath()
                        + ":"
                        + Files.readString(classpath).trim());
        cmd.add("io.sluice.peer.DebeziumPeer");
        cmd.add("pg-host=" + run.servers.postgres().host());
        cmd.add("pg-port=" + run.servers.postgres().port());
        cmd.add("pg-db=" + run.pgDb);
        cmd.add("pg-user=" + run.servers.postgres().user());
        cmd.add("slot=" + SLOT);
        cmd.add("publication=" + SLOT);
        cmd.add("table=public.events");
        cmd.add("ch-url=" + run.servers.clickhouse().url());
        cmd.add("ch-db=" + database);
        cmd.add("ch-user=" + run.servers.clickhouse().user());
        cmd.add("offsets=" + offsets.toAbsolutePath());
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("PEER_PG_PASSWORD", run.servers.postgres().password());
        b.environment().put("PEER_CH_PASSWORD", run.servers.clickhouse().password());
        b.redirectErrorStream(true);
        b.redirectOutput(run.work.resolve("peer-" + (++starts) + ".log").toFile());
        process = b.start();
    }

    /** Waits until the peer's table holds {@code target} rows; returns the seconds since t0. */
    double awaitCount(long target, long t0) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        while (Ceilings.countOrZero(run.servers, table()) < target) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the peer exited with " + process.exitValue() + ": " + log());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the peer did not catch up: " + log());
            }
            Thread.sleep(200); // polling ClickHouse, with a deadline
        }
        return Ceilings.seconds(t0);
    }

    /** CPU seconds of the peer's process so far. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L)
                / 1e9;
    }

    /** Stops the peer (SIGTERM: it commits its offsets) and waits for it. */
    void stop() throws Exception {
        process.destroy();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new IllegalStateException("the peer did not stop: " + log());
        }
    }

    /** Drops the peer's slot (it keeps WAL while nothing reads it). */
    void dropSlot(java.sql.Connection pg) throws Exception {
        BenchSql.execute(
                pg,
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                        + " WHERE slot_name = '"
                        + SLOT
                        + "'");
    }

    private String log() {
        try {
            List<String> lines = Files.readAllLines(run.work.resolve("peer-" + starts + ".log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
