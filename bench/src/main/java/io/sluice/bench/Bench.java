package io.sluice.bench;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.util.TimeUtils;

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
            JobOptions.StateBackend stateBackend,
            boolean compareBackends,
            long checkpointMs,
            Workload workload) {
        /** The checkpoint interval when none is given: 1 s, as in the published baseline. */
        static final long DEFAULT_CHECKPOINT_MS = 1_000;

        /** The backend the analytics job is compared on (the other one). */
        JobOptions.StateBackend otherBackend() {
            return stateBackend == JobOptions.StateBackend.ROCKSDB
                    ? JobOptions.StateBackend.HASHMAP
                    : JobOptions.StateBackend.ROCKSDB;
        }

        static Args parse(String[] a) {
            long events = 1_000_000;
            int rate = 5_000;
            Path out = Path.of("bench-results");
            int seconds = 60;
            int parallelism = 2;
            JobOptions.StateBackend backend = JobOptions.StateBackend.HASHMAP;
            boolean compare = true;
            long checkpointMs = DEFAULT_CHECKPOINT_MS;
            Workload workload = Workload.MIXED;
            for (int i = 0; i < a.length; i++) {
                String v = i + 1 < a.length ? a[i + 1] : null;
                switch (a[i]) {
                    case "--events" -> events = Long.parseLong(require(a[i], v));
                    case "--rate" -> rate = Integer.parseInt(require(a[i], v));
                    case "--out" -> out = Path.of(require(a[i], v));
                    case "--freshness-seconds" -> seconds = Integer.parseInt(require(a[i], v));
                    case "--parallelism" -> parallelism = Integer.parseInt(require(a[i], v));
                    case "--state-backend" -> backend = backend(require(a[i], v));
                    case "--compare-backends" -> compare = bool(a[i], require(a[i], v));
                    case "--checkpoint-interval" -> checkpointMs = millis(a[i], require(a[i], v));
                    case "--workload" -> workload = Workload.parse(require(a[i], v));
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown argument "
                                            + a[i]
                                            + "; usage: ./sluice bench [--events N] [--rate R]"
                                            + " [--out DIR] [--freshness-seconds S] [--parallelism P]"
                                            + " [--state-backend rocksdb|hashmap]"
                                            + " [--compare-backends true|false]"
                                            + " [--checkpoint-interval DURATION]"
                                            + " [--workload mixed|single-name]");
                }
                i++;
            }
            if (events < 1000 || rate < 10 || seconds < 1 || checkpointMs < 100) {
                throw new IllegalArgumentException(
                        "--events >= 1000, --rate >= 10, --freshness-seconds >= 1,"
                                + " --checkpoint-interval >= 100 ms");
            }
            return new Args(
                    events,
                    rate,
                    out,
                    seconds,
                    parallelism,
                    backend,
                    compare,
                    checkpointMs,
                    workload);
        }

        private static JobOptions.StateBackend backend(String name) {
            for (JobOptions.StateBackend b : JobOptions.StateBackend.values()) {
                if (b.toString().equalsIgnoreCase(name)) {
                    return b;
                }
            }
            throw new IllegalArgumentException(
                    "--state-backend is hashmap or rocksdb, got '" + name + "'");
        }

        private static long millis(String option, String value) {
            try {
                return TimeUtils.parseDuration(value).toMillis();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        option + " is a duration such as 5 s, got '" + value + "'", e);
            }
        }

        private static boolean bool(String option, String value) {
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException(
                        option + " is true or false, got '" + value + "'");
            }
            return Boolean.parseBoolean(value);
        }

        private static String require(String option, String value) {
            if (value == null) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return value;
        }
    }

    /**
     * Which event names the written events carry. Event {@code i} belongs to user {@code i %
     * 10000}. With {@code single-name} (every figure before this option) its name is {@code i % 5}
     * of the five, so each user sends one name all the time and no funnel gets past its first step.
     * With {@code mixed} (the default) the name is {@code (i + i / 10000) % 5}: a user's successive
     * events go through all five names in order, so funnels progress and complete.
     */
    enum Workload {
        MIXED("(i + i / 10000) % 5"),
        SINGLE_NAME("i % 5");

        /** The SQL of the name's index (0 to 4) of event {@code i}. */
        final String nameIndex;

        Workload(String nameIndex) {
            this.nameIndex = nameIndex;
        }

        static Workload parse(String name) {
            for (Workload w : values()) {
                if (w.toString().equals(name)) {
                    return w;
                }
            }
            throw new IllegalArgumentException(
                    "--workload is mixed or single-name, got '" + name + "'");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
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

    /** The phases in order; returns the figures written to {@code bench.json}. */
    static Map<String, Object> run(Args a) throws Exception {
        Files.createDirectories(a.out());
        Path work = Files.createTempDirectory("sluice-bench");
        long t00 = System.nanoTime();
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("bench");
        BenchRun run = new BenchRun(a, servers, pgDb, work, a.checkpointMs());
        say(
                "%d events per phase; parallelism %d; %s state; checkpoint every %d ms;"
                        + " %s workload",
                run.n, a.parallelism(), a.stateBackend(), run.checkpointMs, a.workload());

        try (Connection pg = Ceilings.connect(servers, pgDb)) {
            BenchSql.execute(
                    pg, Files.readString(Path.of(root(), "sql", "postgres", "01_schema.sql")));
            long t0 = System.nanoTime();
            BenchSql.writeEvents(
                    pg,
                    1,
                    run.n,
                    100_000,
                    "now() - interval '2 days' + (i % 172800) * interval '1 second'",
                    a.workload());
            say("wrote %d events in %.1f s", run.n, Ceilings.seconds(t0));
            CeilingPhase.measure(run);
            try (JobRunner runner = new JobRunner(work, Math.max(2, a.parallelism()))) {
                BenchJobs jobs = BenchJobs.prepare(run, runner);
                PeerRunner peer = new PeerRunner(run);
                SnapshotPhase.Savepoints savepoints = SnapshotPhase.run(run, jobs, peer);
                JobID analytics = CatchUpPhase.run(run, jobs, pg, savepoints, peer);
                FreshnessPhase.run(run, jobs, analytics);
            }
        }
        return BenchReport.write(run, t00);
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
        // The whole analytics job is measured: funnels (one of each mode), retention and
        // feature adoption on, as a user would run them.
        v.put(
                ProductAnalyticsOptions.FUNNELS.key(),
                List.of(
                        "visit: page_view > click > signup within 1 h",
                        "direct: page_view > click within 10 min strict"));
        v.put(ProductAnalyticsOptions.FEATURES.key(), List.of("signup", "search.plan"));
        v.put(JobOptions.PARALLELISM.key(), parallelism);
        v.put(JobOptions.CHECKPOINT_INTERVAL.key(), Duration.ofMillis(checkpointMs));
        v.put(ClickHouseSinkOptions.FLUSH_INTERVAL.key(), Duration.ofMillis(200));
        return SluiceConfig.of(v);
    }

    /** The repository root (the bench runs from it or from bench/). */
    static String root() {
        return Files.exists(Path.of("sql", "postgres", "01_schema.sql")) ? "." : "..";
    }

    static void say(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[bench] " + format + "%n", args);
    }
}
