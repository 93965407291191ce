package io.sluice.bench;

import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the phases of one bench run share: its settings, servers, and the figures measured. */
final class BenchRun {
    final Bench.Args args;
    final TestServers servers;
    final String pgDb;

    /** Savepoints, checkpoints and files of the run; deleted at its end. */
    final Path work;

    /** Events per phase. */
    final long n;

    final long checkpointMs;

    /** The ceilings the machine and servers allow, by figure. */
    final Map<String, Object> ceilings = new LinkedHashMap<>();

    /** Sluice's figures. */
    final Map<String, Object> sluice = new LinkedHashMap<>();

    /** The peer's figures (Debezium's embedded engine into ClickHouse, {@link PeerRunner}). */
    final Map<String, Object> peer = new LinkedHashMap<>();

    /** The analytics job's figures on the other state backend ({@link Bench.Args#otherBackend}). */
    final Map<String, Object> otherBackend = new LinkedHashMap<>();

    /** CPU seconds by stage, by phase. */
    final Map<String, Object> cpu = new LinkedHashMap<>();

    BenchRun(Bench.Args args, TestServers servers, String pgDb, Path work, long checkpointMs) {
        this.args = args;
        this.servers = servers;
        this.pgDb = pgDb;
        this.work = work;
        this.n = args.events();
        this.checkpointMs = checkpointMs;
    }
}
