package io.sluice.bench;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.testkit.TestServers;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.util.FileUtils;

/**
 * {@code ./sluice bench}: Sluice's throughput and freshness on the local real servers, each next to
 * the ceiling the machine and the servers allow on the same data, measured in the same run.
 *
 * <ol>
 *   <li>N events are written; the ceilings COPY → file, file → ClickHouse (large batches) and COPY
 *       → ClickHouse (one streamed insert) are measured on them;
 *   <li>the mirror job and the analytics job each snapshot them (rows/s until ClickHouse holds
 *       them) and are stopped with a savepoint;
 *   <li>N more events are written while nothing runs; {@code pg_recvlogical} drains them through
 *       pgoutput (the decode ceiling); each job is restored and catches up (rows/s);
 *   <li>the analytics job then takes a steady load of R events/s: the delay from each commit to its
 *       visibility in analytics.events (p50/p95/p99, and a chart over time).
 * </ol>
 */
public final class Bench {
    /** Arguments. */
    record Args(
            long events,
            int rate,
            Path out,
            int freshnessSeconds,
            int parallelism,
            String stateBackend) {
        static Args parse(String[] a) {
            long events = 1_000_000;
            int rate = 5_000;
            Path out = Path.of("bench-results");
            int seconds = 60;
            int parallelism = 2;
            String backend = "hashmap";
            for (int i = 0; i < a.length; i++) {
                String v = i + 1 < a.length ? a[i + 1] : null;
                switch (a[i]) {
                    case "--events" -> events = Long.parseLong(require(a[i], v));
                    case "--rate" -> rate = Integer.parseInt(require(a[i], v));
                    case "--out" -> out = Path.of(require(a[i], v));
                    case "--freshness-seconds" -> seconds = Integer.parseInt(require(a[i], v));
                    case "--parallelism" -> parallelism = Integer.parseInt(require(a[i], v));
                    case "--state-backend" -> backend = require(a[i], v);
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown argument "
                                            + a[i]
                                            + "; usage: ./sluice bench [--events N] [--rate R]"
                                            + " [--out DIR] [--freshness-seconds S] [--parallelism P]"
                                            + " [--state-backend rocksdb|hashmap]");
                }
                i++;
            }
            if (events < 1000 || rate < 10 || seconds < 1) {
                throw new IllegalArgumentException(
                        "--events >= 1000, --rate >= 10, --freshness-seconds >= 1");
            }
            return new Args(events, rate, out, seconds, parallelism, backend);
        }

        private static String require(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }
    }

    private Bench() {}

    public static void main(String[] args) throws Exception {
        Args a;
        try {
            a = Args.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        run(a);
        System.exit(0); // the MiniCluster and server threads are not all daemons
    }

    static Map<String, Object> run(Args a) throws Exception {
        Files.createDirectories(a.out());
        Path work = Files.createTempDirectory("sluice-bench");
        long n = a.events();
        long checkpointMs = 1_000;
        long t00 = System.nanoTime();
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("bench");
        Map<String, Object> ceilings = new LinkedHashMap<>();
        Map<String, Object> sluice = new LinkedHashMap<>();
        say(
                "%d events per phase; parallelism %d; %s state; checkpoint every %d ms",
                n, a.parallelism(), a.stateBackend(), checkpointMs);

        try (Connection pg = Ceilings.connect(servers, pgDb)) {
            execute(pg, Files.readString(Path.of(root(), "sql", "postgres", "01_schema.sql")));
            long t0 = System.nanoTime();
            writeEvents(
                    pg,
                    1,
                    n,
                    100_000,
                    "now() - interval '2 days' + (i % 172800) * interval '1 second'");
            say("wrote %d events in %.1f s", n, Ceilings.seconds(t0));

            // Ceilings on the snapshot data.
            String chCeil = servers.clickhouse().newDatabase("bench_ceiling");
            Path tsv = work.resolve("events.tsv");
            ceilings.put("copy_to_file_rows_per_s", Ceilings.copyToFile(servers, pgDb, tsv, n));
            ceilings.put(
                    "clickhouse_insert_rows_per_s",
                    Ceilings.clickHouseInsert(
                            servers, chCeil, tsv, n, (int) Math.min(n, 1_000_000)));
            ceilings.put(
                    "copy_into_clickhouse_rows_per_s",
                    Ceilings.copyIntoClickHouse(servers, pgDb, chCeil, n));
            Files.deleteIfExists(tsv);
            say("ceilings: %s", ceilings);

            try (JobRunner runner = new JobRunner(work, Math.max(2, a.parallelism()))) {
                // Snapshots, each job with its own slot and databases.
                SluiceConfig mirror = config(servers, pgDb, "m", a.parallelism(), checkpointMs);
                SluiceConfig analytics = config(servers, pgDb, "a", a.parallelism(), checkpointMs);
                MirrorSetup.prepare(mirror);
                MirrorSetup.prepare(analytics);
                AnalyticsSetup.prepare(analytics);
                String mirrorTable = mirror.get(ClickHouseSinkOptions.DATABASE) + ".events";
                String analyticsTable = analytics.get(AnalyticsOptions.DATABASE) + ".events";

                Map<String, Object> cpu = new LinkedHashMap<>();
                StageCpu stages = StageCpu.start();
                t0 = System.nanoTime();
                JobID m =
                        runner.submit(
                                "bench-mirror",
                                mirror,
                                false,
                                null,
                                null,
                                work.resolve("cp-m"),
                                a.stateBackend());
                double s =
                        JobRunner.awaitCount(
                                () -> Ceilings.count(servers, mirrorTable),
                                n,
                                t0,
                                Duration.ofMinutes(30));
                sluice.put("snapshot_mirror_rows_per_s", n / s);
                cpu.put("snapshot_mirror", stages.stop());
                String mirrorSavepoint = runner.stopWithSavepoint(m, mirror);

                stages = StageCpu.start();
                t0 = System.nanoTime();
                JobID an =
                        runner.submit(
                                "bench-analytics",
                                analytics,
                                true,
                                null,
                                null,
                                work.resolve("cp-a"),
                                a.stateBackend());
                s =
                        JobRunner.awaitCount(
                                () -> Ceilings.count(servers, analyticsTable),
                                n,
                                t0,
                                Duration.ofMinutes(30));
                sluice.put("snapshot_analytics_rows_per_s", n / s);
                cpu.put("snapshot_analytics", stages.stop());
                String analyticsSavepoint = runner.stopWithSavepoint(an, analytics);
                say("snapshots: %s", sluice);

                // N changes while nothing runs; the pgoutput ceiling drains the same changes.
                execute(pg, "CREATE PUBLICATION bench_ceiling FOR TABLE events");
                execute(
                        pg,
                        "SELECT pg_create_logical_replication_slot('bench_ceiling', 'pgoutput')");
                t0 = System.nanoTime();
                writeEvents(pg, n + 1, 2 * n, 1_000, "clock_timestamp() - interval '1 minute'");
                sluice.put("write_rows_per_s", n / Ceilings.seconds(t0));
                String endLsn = queryString(pg, "SELECT pg_current_wal_lsn()::text");
                ceilings.put(
                        "pgoutput_rows_per_s",
                        Ceilings.pgRecvLogical(
                                servers, pgDb, "bench_ceiling", "bench_ceiling", endLsn, n));
                execute(pg, "SELECT pg_drop_replication_slot('bench_ceiling')");

                Resources r = Resources.start();
                stages = StageCpu.start();
                t0 = System.nanoTime();
                m =
                        runner.submit(
                                "bench-mirror",
                                mirror,
                                false,
                                null,
                                mirrorSavepoint,
                                work.resolve("cp-m"),
                                a.stateBackend());
                s =
                        JobRunner.awaitCount(
                                () -> Ceilings.count(servers, mirrorTable),
                                2 * n,
                                t0,
                                Duration.ofMinutes(30));
                sluice.put("catchup_mirror_rows_per_s", n / s);
                cpu.put("catchup_mirror", stages.stop());
                sluice.put("catchup_mirror_cpu_seconds", r.cpuSeconds());
                runner.cancel(m);

                r = Resources.start();
                stages = StageCpu.start();
                t0 = System.nanoTime();
                an =
                        runner.submit(
                                "bench-analytics",
                                analytics,
                                true,
                                null,
                                analyticsSavepoint,
                                work.resolve("cp-a"),
                                a.stateBackend());
                s =
                        JobRunner.awaitCount(
                                () -> Ceilings.count(servers, analyticsTable),
                                2 * n,
                                t0,
                                Duration.ofMinutes(30));
                sluice.put("catchup_analytics_rows_per_s", n / s);
                cpu.put("catchup_analytics", stages.stop());
                sluice.put("cpu_seconds_by_stage", cpu);
                sluice.put("catchup_analytics_cpu_seconds", r.cpuSeconds());
                sluice.put("catchup_analytics_peak_rss_mb", r.peakRssMb());
                Thread.sleep(2 * checkpointMs); // a checkpoint that covers every event
                long bytes = runner.latestCheckpointBytes(an);
                sluice.put("checkpoint_bytes", bytes);
                sluice.put("checkpoint_mb_per_million_events", bytes / 1e6 / (2.0 * n / 1e6));
                say("catch-up: %s", sluice);

                // Freshness at a steady rate, on the running analytics job.
                r = Resources.start();
                Freshness.Result f =
                        Freshness.measure(
                                servers,
                                pgDb,
                                analytics.get(AnalyticsOptions.DATABASE),
                                a.rate(),
                                a.freshnessSeconds());
                long p50 = Freshness.percentile(f.samples(), 0.50);
                long p95 = Freshness.percentile(f.samples(), 0.95);
                long p99 = Freshness.percentile(f.samples(), 0.99);
                Map<String, Object> fresh = new LinkedHashMap<>();
                fresh.put("rate_requested_per_s", a.rate());
                fresh.put("rate_written_per_s", f.writtenPerSecond());
                fresh.put("seconds", a.freshnessSeconds());
                fresh.put("checkpoint_interval_ms", checkpointMs);
                fresh.put("batches", f.samples().size());
                fresh.put("p50_ms", p50);
                fresh.put("p95_ms", p95);
                fresh.put("p99_ms", p99);
                fresh.put("max_ms", Freshness.percentile(f.samples(), 1.0));
                fresh.put("cpu_seconds", r.cpuSeconds());
                fresh.put("peak_rss_mb", r.peakRssMb());
                fresh.put("poll_interval_ms", 100);
                sluice.put("freshness", fresh);
                runner.cancel(an);
                Report.writeChart(
                        a.out().resolve("freshness.png"),
                        f.samples(),
                        p50,
                        p99,
                        String.format(
                                Locale.ROOT,
                                "%,.0f events/s for %d s, checkpoint every %d ms, %s state, parallelism %d: p50 %d ms, p95 %d ms, p99 %d ms",
                                f.writtenPerSecond(),
                                a.freshnessSeconds(),
                                checkpointMs,
                                a.stateBackend(),
                                a.parallelism(),
                                p50,
                                p95,
                                p99));
            }
        }

        Map<String, Object> ratios = new LinkedHashMap<>();
        double pgoutput = (Double) ceilings.get("pgoutput_rows_per_s");
        double copyCh = (Double) ceilings.get("copy_into_clickhouse_rows_per_s");
        ratios.put(
                "catchup_analytics_vs_pgoutput",
                (Double) sluice.get("catchup_analytics_rows_per_s") / pgoutput);
        ratios.put(
                "catchup_mirror_vs_pgoutput",
                (Double) sluice.get("catchup_mirror_rows_per_s") / pgoutput);
        ratios.put(
                "snapshot_mirror_vs_copy_into_clickhouse",
                (Double) sluice.get("snapshot_mirror_rows_per_s") / copyCh);
        ratios.put(
                "snapshot_analytics_vs_copy_into_clickhouse",
                (Double) sluice.get("snapshot_analytics_rows_per_s") / copyCh);

        Map<String, Object> all = new LinkedHashMap<>();
        all.put("when", Instant.now().toString());
        all.put("events_per_phase", n);
        all.put("machine", machine());
        all.put("versions", versions(servers));
        all.put(
                "settings",
                Map.of(
                        "parallelism",
                        a.parallelism(),
                        "state_backend",
                        a.stateBackend(),
                        "checkpoint_interval_ms",
                        checkpointMs));
        all.put("ceilings", ceilings);
        all.put("sluice", sluice);
        all.put("ratios", ratios);
        all.put("targets", targets(ratios, sluice));
        all.put("wall_seconds", Ceilings.seconds(t00));
        // Savepoints and checkpoints of the run (hundreds of MB at 1M events).
        FileUtils.deleteDirectoryQuietly(work.toFile());
        Report.writeJson(a.out().resolve("bench.json"), all);
        printTable(all);
        System.out.printf(
                Locale.ROOT,
                "%nwrote %s and %s%n",
                a.out().resolve("bench.json"),
                a.out().resolve("freshness.png"));
        return all;
    }

    private static Map<String, Object> targets(
            Map<String, Object> ratios, Map<String, Object> sluice) {
        Map<String, Object> t = new LinkedHashMap<>();
        t.put(
                "catchup_analytics_at_least_0.8_of_pgoutput",
                target((Double) ratios.get("catchup_analytics_vs_pgoutput"), 0.8));
        t.put(
                "snapshot_at_least_0.7_of_copy_into_clickhouse",
                target((Double) ratios.get("snapshot_mirror_vs_copy_into_clickhouse"), 0.7));
        @SuppressWarnings("unchecked")
        long p99 = (Long) ((Map<String, Object>) sluice.get("freshness")).get("p99_ms");
        t.put(
                "freshness_p99_under_2000_ms",
                p99 < 2000
                        ? "met"
                        : String.format(
                                Locale.ROOT,
                                "missed: p99 %d ms is %.1fx the target",
                                p99,
                                p99 / 2000.0));
        return t;
    }

    private static String target(double ratio, double goal) {
        return ratio >= goal
                ? String.format(Locale.ROOT, "met (%.2f)", ratio)
                : String.format(
                        Locale.ROOT,
                        "missed: %.2f of the ceiling, %.0f %% short of %.1f",
                        ratio,
                        100 * (goal - ratio) / goal,
                        goal);
    }

    @SuppressWarnings("unchecked")
    private static void printTable(Map<String, Object> all) {
        Map<String, Object> c = (Map<String, Object>) all.get("ceilings");
        Map<String, Object> s = (Map<String, Object>) all.get("sluice");
        Map<String, Object> r = (Map<String, Object>) all.get("ratios");
        Map<String, Object> f = (Map<String, Object>) s.get("freshness");
        Map<String, Object> t = (Map<String, Object>) all.get("targets");
        System.out.println();
        System.out.println(Report.row("figure", "sluice", "ceiling (same run)", "ratio", "target"));
        System.out.println("-".repeat(120));
        System.out.println(
                Report.row(
                        "streaming catch-up, analytics job, rows/s",
                        rate(s, "catchup_analytics_rows_per_s"),
                        "pgoutput " + rate(c, "pgoutput_rows_per_s"),
                        ratio(r, "catchup_analytics_vs_pgoutput"),
                        ">= 0.8: " + t.get("catchup_analytics_at_least_0.8_of_pgoutput")));
        System.out.println(
                Report.row(
                        "streaming catch-up, mirror job, rows/s",
                        rate(s, "catchup_mirror_rows_per_s"),
                        "pgoutput " + rate(c, "pgoutput_rows_per_s"),
                        ratio(r, "catchup_mirror_vs_pgoutput"),
                        ""));
        System.out.println(
                Report.row(
                        "snapshot, mirror job, rows/s",
                        rate(s, "snapshot_mirror_rows_per_s"),
                        "COPY->ClickHouse " + rate(c, "copy_into_clickhouse_rows_per_s"),
                        ratio(r, "snapshot_mirror_vs_copy_into_clickhouse"),
                        ">= 0.7: " + t.get("snapshot_at_least_0.7_of_copy_into_clickhouse")));
        System.out.println(
                Report.row(
                        "snapshot, analytics job, rows/s",
                        rate(s, "snapshot_analytics_rows_per_s"),
                        "COPY->ClickHouse " + rate(c, "copy_into_clickhouse_rows_per_s"),
                        ratio(r, "snapshot_analytics_vs_copy_into_clickhouse"),
                        ""));
        System.out.println(
                Report.row(
                        "freshness p50 / p95 / p99, ms",
                        f.get("p50_ms") + " / " + f.get("p95_ms") + " / " + f.get("p99_ms"),
                        String.format(
                                Locale.ROOT,
                                "%,.0f ev/s, ckpt %s ms",
                                (Double) f.get("rate_written_per_s"),
                                f.get("checkpoint_interval_ms")),
                        "",
                        "p99 < 2000: " + t.get("freshness_p99_under_2000_ms")));
        System.out.println(
                Report.row(
                        "ceiling: COPY to a file, rows/s",
                        "",
                        rate(c, "copy_to_file_rows_per_s"),
                        "",
                        ""));
        System.out.println(
                Report.row(
                        "ceiling: ClickHouse insert (1M batches), rows/s",
                        "",
                        rate(c, "clickhouse_insert_rows_per_s"),
                        "",
                        ""));
        System.out.println(
                Report.row(
                        "resources: catch-up CPU s (analytics / mirror)",
                        String.format(
                                Locale.ROOT,
                                "%.1f / %.1f",
                                (Double) s.get("catchup_analytics_cpu_seconds"),
                                (Double) s.get("catchup_mirror_cpu_seconds")),
                        "",
                        "",
                        "whole bench JVM"));
        System.out.println(
                Report.row(
                        "resources: peak RSS MB (catch-up / freshness)",
                        s.get("catchup_analytics_peak_rss_mb") + " / " + f.get("peak_rss_mb"),
                        "",
                        "",
                        "whole bench JVM"));
        System.out.println(
                Report.row(
                        "checkpoint MB per million events",
                        String.format(
                                Locale.ROOT,
                                "%.1f",
                                (Double) s.get("checkpoint_mb_per_million_events")),
                        "",
                        "",
                        ""));
        System.out.println();
        System.out.println(
                "where the CPU went, by stage (CPU seconds; the first is the bottleneck on a"
                        + " CPU-bound machine):");
        Map<String, Object> cpu = (Map<String, Object>) s.get("cpu_seconds_by_stage");
        for (Map.Entry<String, Object> phase : cpu.entrySet()) {
            Map<String, Double> stages = (Map<String, Double>) phase.getValue();
            double total =
                    stages.entrySet().stream()
                            .filter(e -> !e.getKey().equals("wall_seconds"))
                            .mapToDouble(Map.Entry::getValue)
                            .sum();
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Double> e : stages.entrySet()) {
                if (e.getKey().equals("wall_seconds") || line.length() > 400) {
                    continue;
                }
                line.append(
                        String.format(
                                Locale.ROOT,
                                "%s%s %.1f (%.0f %%)",
                                line.length() == 0 ? "" : "; ",
                                e.getKey(),
                                e.getValue(),
                                100 * e.getValue() / total));
            }
            System.out.printf(
                    Locale.ROOT,
                    "  %s, %.0f s wall, %.0f CPU s: %s%n",
                    phase.getKey().replace('_', ' '),
                    stages.get("wall_seconds"),
                    total,
                    line);
        }
    }

    private static String rate(Map<String, Object> m, String key) {
        return String.format(Locale.ROOT, "%,.0f", (Double) m.get(key));
    }

    private static String ratio(Map<String, Object> m, String key) {
        return String.format(Locale.ROOT, "%.2f", (Double) m.get(key));
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
            v.put("postgres", queryString(pg, "SHOW server_version"));
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

    static SluiceConfig config(
            TestServers servers, String pgDb, String suffix, int parallelism, long checkpointMs) {
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.HOST.key(), servers.postgres().host());
        v.put(PostgresSourceOptions.PORT.key(), servers.postgres().port());
        v.put(PostgresSourceOptions.DATABASE.key(), pgDb);
        v.put(PostgresSourceOptions.USER.key(), servers.postgres().user());
        v.put(PostgresSourceOptions.PASSWORD.key(), servers.postgres().password());
        v.put(PostgresSourceOptions.SLOT.key(), "sluice_bench_" + suffix);
        v.put(PostgresSourceOptions.PUBLICATION.key(), "sluice_bench_" + suffix);
        v.put(PostgresSourceOptions.TABLES.key(), List.of("public.events"));
        v.put(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE.key(), 50_000);
        v.put(ClickHouseSinkOptions.URL.key(), servers.clickhouse().url());
        v.put(
                ClickHouseSinkOptions.DATABASE.key(),
                servers.clickhouse().newDatabase("bench_mirror_" + suffix));
        v.put(ClickHouseSinkOptions.USER.key(), servers.clickhouse().user());
        v.put(ClickHouseSinkOptions.PASSWORD.key(), servers.clickhouse().password());
        v.put(
                AnalyticsOptions.DATABASE.key(),
                "bench_analytics_" + suffix + "_" + ProcessHandle.current().pid());
        v.put(AnalyticsOptions.PROMOTED_PROPERTIES.key(), List.of("plan:String", "path:String"));
        v.put(JobOptions.PARALLELISM.key(), parallelism);
        v.put(JobOptions.CHECKPOINT_INTERVAL.key(), Duration.ofMillis(checkpointMs));
        v.put(ClickHouseSinkOptions.FLUSH_INTERVAL.key(), Duration.ofMillis(200));
        return SluiceConfig.of(v);
    }

    /** Events {@code from..to} (inclusive), {@code perTransaction} per INSERT ... SELECT. */
    private static void writeEvents(
            Connection pg, long from, long to, long perTransaction, String occurredAt)
            throws Exception {
        try (Statement st = pg.createStatement()) {
            for (long lo = from; lo <= to; lo += perTransaction) {
                long hi = Math.min(to, lo + perTransaction - 1);
                st.execute(
                        "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                                + " SELECT md5(i::text)::uuid, i % 10000, "
                                + occurredAt
                                + ","
                                + " (ARRAY['page_view','click','search','signup'])[1 + i % 4],"
                                + " jsonb_build_object('plan', (ARRAY['free','pro','team'])[1 + i % 3], 'path', '/p/' || (i % 100))"
                                + " FROM generate_series("
                                + lo
                                + ", "
                                + hi
                                + ") i");
            }
        }
    }

    private static void execute(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement()) {
            st.execute(sql);
        }
    }

    private static String queryString(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The repository root (the bench runs from it or from bench/). */
    static String root() {
        return Files.exists(Path.of("sql", "postgres", "01_schema.sql")) ? "." : "..";
    }

    private static void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench] " + format + "%n", args);
    }

    /** CPU time and peak resident memory of this JVM since {@link #start}. */
    record Resources(long cpuNanosAtStart) {
        static Resources start() {
            try {
                Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM
            } catch (Exception ignored) {
                // not Linux, or not allowed: the peak then covers the whole run
            }
            return new Resources(cpu());
        }

        double cpuSeconds() {
            return (cpu() - cpuNanosAtStart) / 1e9;
        }

        long peakRssMb() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                    }
                }
            } catch (Exception ignored) {
                // not Linux
            }
            return -1;
        }

        private static long cpu() {
            return ((com.sun.management.OperatingSystemMXBean)
                            ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }
}
