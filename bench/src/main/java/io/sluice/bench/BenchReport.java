package io.sluice.bench;

import io.sluice.common.config.JobOptions;
import io.sluice.testkit.TestServers;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.util.FileUtils;

/**
 * The bench's result: its figures with the ratios to their ceilings, the targets, the machine and
 * the versions, written as {@code bench.json}, printed as a table and drawn as {@code phases.png}.
 */
final class BenchReport {
    private BenchReport() {}

    /** Writes the result of a finished run, started at {@code t00} (nanos), and returns it. */
    static Map<String, Object> write(BenchRun run, long t00) throws Exception {
        Map<String, Object> ratios = new LinkedHashMap<>();
        double pgoutput = (Double) run.ceilings.get("pgoutput_rows_per_s");
        double copyCh = (Double) run.ceilings.get("copy_into_clickhouse_rows_per_s");
        ratios.put(
                "catchup_analytics_vs_pgoutput",
                (Double) run.sluice.get("catchup_analytics_rows_per_s") / pgoutput);
        ratios.put(
                "catchup_mirror_vs_pgoutput",
                (Double) run.sluice.get("catchup_mirror_rows_per_s") / pgoutput);
        ratios.put(
                "snapshot_mirror_vs_copy_into_clickhouse",
                (Double) run.sluice.get("snapshot_mirror_rows_per_s") / copyCh);
        ratios.put(
                "snapshot_analytics_vs_copy_into_clickhouse",
                (Double) run.sluice.get("snapshot_analytics_rows_per_s") / copyCh);
        ratios.put(
                "snapshot_mirror_vs_peer",
                (Double) run.sluice.get("snapshot_mirror_rows_per_s")
                        / (Double) run.peer.get("snapshot_rows_per_s"));
        ratios.put(
                "catchup_mirror_vs_peer",
                (Double) run.sluice.get("catchup_mirror_rows_per_s")
                        / (Double) run.peer.get("catchup_rows_per_s"));
        ratios.put(
                "catchup_mirror_cpu_vs_peer",
                (Double) run.sluice.get("catchup_mirror_cpu_seconds")
                        / (Double) run.peer.get("catchup_cpu_seconds"));
        // RocksDB's rate over the heap backend's, whichever of them the main phases ran on.
        boolean mainIsHeap = run.args.stateBackend() == JobOptions.StateBackend.HASHMAP;
        for (String phase :
                run.otherBackend.isEmpty()
                        ? new String[0]
                        : new String[] {"snapshot_analytics", "catchup_analytics"}) {
            double main = (Double) run.sluice.get(phase + "_rows_per_s");
            double other = (Double) run.otherBackend.get(phase + "_rows_per_s");
            ratios.put(phase + "_rocksdb_vs_hashmap", mainIsHeap ? other / main : main / other);
        }

        Map<String, Object> all = new LinkedHashMap<>();
        all.put("when", Instant.now().toString());
        all.put("events_per_phase", run.n);
        all.put("machine", machine());
        all.put("versions", versions(run.servers));
        all.put(
                "settings",
                Map.of(
                        "parallelism",
                        run.args.parallelism(),
                        "state_backend",
                        run.args.stateBackend().toString(),
                        "checkpoint_interval_ms",
                        run.checkpointMs,
                        "workload",
                        run.args.workload().toString()));
        all.put("ceilings", run.ceilings);
        all.put("sluice", run.sluice);
        all.put("peer", run.peer);
        if (!run.otherBackend.isEmpty()) {
            all.put("analytics_on_" + run.args.otherBackend(), run.otherBackend);
        }
        all.put("ratios", ratios);
        all.put("targets", targets(ratios, run.sluice, run.n, run.checkpointMs));
        all.put("wall_seconds", Ceilings.seconds(t00));
        // Savepoints and checkpoints of the run (hundreds of MB at 1M events).
        FileUtils.deleteDirectoryQuietly(run.work.toFile());
        Report.writeJson(run.args.out().resolve("bench.json"), all);
        ResultTable.print(all);
        PhaseCharts.write(run.args.out().resolve("phases.png"), all);
        System.out.printf(
                Locale.ROOT,
                "%nwrote %s, %s and %s%n",
                run.args.out().resolve("bench.json"),
                run.args.out().resolve("phases.png"),
                run.args.out().resolve("freshness.png"));
        return all;
    }

    /**
     * {@code conf/sluice.yaml}'s {@code job.checkpoint-interval}: the freshness targets hold at the
     * interval users run (BenchTargetsTest reads the file).
     */
    static final long EXAMPLE_CHECKPOINT_MS = 5_000;

    /** The events per phase the memory and checkpoint targets are set at. */
    static final long TARGET_EVENTS = 1_000_000;

    /**
     * Every target, met or missed, with the stage that bounds the figure (the phase's largest stage
     * by CPU seconds, the JVM's unattributed threads left aside).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> targets(
            Map<String, Object> ratios,
            Map<String, Object> sluice,
            long events,
            long checkpointMs) {
        Map<String, Object> cpu = (Map<String, Object>) sluice.get("cpu_seconds_by_stage");
        Map<String, Object> t = new LinkedHashMap<>();
        t.put(
                "catchup_analytics_at_least_0.4_of_pgoutput",
                atLeast(ratios, "catchup_analytics_vs_pgoutput", 0.4, cpu, "catchup_analytics"));
        t.put(
                "catchup_mirror_at_least_0.6_of_pgoutput",
                atLeast(ratios, "catchup_mirror_vs_pgoutput", 0.6, cpu, "catchup_mirror"));
        t.put(
                "snapshot_mirror_at_least_0.5_of_copy_into_clickhouse",
                atLeast(
                        ratios,
                        "snapshot_mirror_vs_copy_into_clickhouse",
                        0.5,
                        cpu,
                        "snapshot_mirror"));
        t.put(
                "snapshot_analytics_at_least_0.3_of_copy_into_clickhouse",
                atLeast(
                        ratios,
                        "snapshot_analytics_vs_copy_into_clickhouse",
                        0.3,
                        cpu,
                        "snapshot_analytics"));
        Map<String, Object> f = (Map<String, Object>) sluice.get("freshness");
        String interval =
                checkpointMs == EXAMPLE_CHECKPOINT_MS
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                " (measured with %d ms checkpoints; the target is at the example"
                                        + " configuration's %d ms)",
                                checkpointMs,
                                EXAMPLE_CHECKPOINT_MS);
        t.put("freshness_p99_under_2000_ms", atMost((Long) f.get("p99_ms"), 2000, "ms") + interval);
        t.put(
                "rollup_freshness_p99_under_3000_ms",
                atMost((Long) f.get("rollup_p99_ms"), 3000, "ms") + interval);
        String scale =
                events == TARGET_EVENTS
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                " (at %,d events; the target is at %,d)",
                                events,
                                TARGET_EVENTS);
        long rss =
                Math.max(
                        ((Number) sluice.get("catchup_analytics_peak_rss_mb")).longValue(),
                        ((Number) f.get("peak_rss_mb")).longValue());
        t.put("peak_rss_at_most_2048_mb", atMost(rss, 2048, "MB") + scale);
        t.put(
                "checkpoint_at_most_50_mb_per_million_events",
                atMost(
                                Math.round((Double) sluice.get("checkpoint_mb_per_million_events")),
                                50,
                                "MB")
                        + scale);
        if (!ratios.containsKey("snapshot_analytics_rocksdb_vs_hashmap")) {
            t.put("rocksdb_within_1.5x_of_hashmap", "not measured (--compare-backends false)");
            return t;
        }
        double slowest =
                Math.min(
                        (Double) ratios.get("snapshot_analytics_rocksdb_vs_hashmap"),
                        (Double) ratios.get("catchup_analytics_rocksdb_vs_hashmap"));
        t.put(
                "rocksdb_within_1.5x_of_hashmap",
                slowest >= 1 / 1.5
                        ? String.format(Locale.ROOT, "met (slowest phase %.2f)", slowest)
                        : String.format(
                                Locale.ROOT,
                                "missed: the slowest phase runs at %.2f of the heap backend's"
                                        + " rate, %.1fx slower",
                                slowest,
                                1 / slowest));
        return t;
    }

    @SuppressWarnings("unchecked")
    private static String atLeast(
            Map<String, Object> ratios,
            String ratio,
            double goal,
            Map<String, Object> cpu,
            String phase) {
        double r = (Double) ratios.get(ratio);
        String verdict =
                r >= goal
                        ? String.format(Locale.ROOT, "met (%.2f)", r)
                        : String.format(
                                Locale.ROOT,
                                "missed: %.2f of the ceiling, %.0f %% short of %.1f",
                                r,
                                100 * (goal - r) / goal,
                                goal);
        Object stages = cpu == null ? null : cpu.get(phase);
        return stages == null
                ? verdict
                : verdict + "; bound by " + boundingStage((Map<String, Object>) stages);
    }

    /** The phase's largest stage by CPU, with its share of the phase's CPU. */
    static String boundingStage(Map<String, Object> stages) {
        double total = 0;
        String top = null;
        double topSeconds = -1;
        for (Map.Entry<String, Object> e : stages.entrySet()) {
            if (e.getKey().equals("wall_seconds")) {
                continue;
            }
            double seconds = ((Number) e.getValue()).doubleValue();
            total += seconds;
            boolean unattributed =
                    e.getKey().startsWith("JVM other") || e.getKey().equals("other threads");
            if (!unattributed && seconds > topSeconds) {
                top = e.getKey();
                topSeconds = seconds;
            }
        }
        return top == null
                ? "no stage measured"
                : String.format(
                        Locale.ROOT,
                        "%s (%.1f of %.1f CPU s, %.0f %%)",
                        top,
                        topSeconds,
                        total,
                        100 * topSeconds / total);
    }

    private static String atMost(long value, long goal, String unit) {
        return value <= goal
                ? String.format(Locale.ROOT, "met (%d %s)", value, unit)
                : String.format(
                        Locale.ROOT,
                        "missed: %d %s is %.1fx the target",
                        value,
                        unit,
                        value / (double) goal);
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cores", Runtime.getRuntime().availableProcessors());
        var os =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
        m.put("memory_gb", os.getTotalMemorySize() / 1e9);
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("java", System.getProperty("java.version"));
        return m;
    }

    private static Map<String, Object> versions(TestServers servers) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("flink", EnvironmentInformation.getVersion());
        v.put("clickhouse", servers.clickhouse().version());
        try (Connection pg = Ceilings.connect(servers, "postgres")) {
            v.put("postgres", BenchSql.queryString(pg, "SHOW server_version"));
        } catch (Exception e) {
            v.put("postgres", "unknown: " + e.getMessage());
        }
        try {
            Process p = new ProcessBuilder(Ceilings.pgRecvLogicalBinary(), "--version").start();
            v.put("pg_recvlogical", new String(p.getInputStream().readAllBytes()).trim());
        } catch (Exception e) {
            v.put("pg_recvlogical", "unknown");
        }
        return v;
    }
}
