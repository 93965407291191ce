package io.sluice.jobs.analytics;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ArchiveOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.archive.ChangeArchive;
import io.sluice.jobs.ops.Resync;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Rebuilds analytics.events and the window rollups (events per minute, 5 minutes, hour) of a closed
 * {@code occurred_at} range, while the streaming job keeps running: after a bug fix, or to fill the
 * past of a rollup added by an upgrade. A bounded, checkpointed job: killed, it resumes from its
 * latest checkpoint (automatically, or with {@code flink run -s}).
 *
 * <p>Sources: {@code postgres} re-reads the events table in {@code occurred_at} chunks, in
 * parallel, at most {@code --max-rows-per-second} per reader; {@code archive} replays the Parquet
 * archive (the partitions that can hold changes of the range) and keeps each event's newest change.
 *
 * <p>Idempotent overwrite: when the job's tasks start without state (not resumed), the range's
 * rollup rows are zeroed and, from Postgres, its events tombstoned, at versions below the
 * backfill's ({@link FreshStartStatements}); the backfill then writes every row of the range again
 * above them. Events read from Postgres carry the WAL position at the start, so any change the
 * streaming job writes later wins; archived events carry their own. Rollup versions start at a WAL
 * position written at the start, above every rollup version already written; the range must be
 * closed (older than allowed lateness plus out-of-orderness), so the streaming job does not write
 * those windows again. Sessions, active users and sessions_daily depend on events outside the range
 * and are not rebuilt.
 *
 * <p>Usage: {@code BackfillJob --config F --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z
 * [--source postgres|archive] [--chunk-minutes 60] [--max-rows-per-second 0]}
 */
public final class BackfillJob {
    static final List<String> WINDOW_ROLLUPS =
            List.of(
                    AnalyticsTables.EVENTS_PER_MINUTE,
                    AnalyticsTables.EVENTS_PER_5M,
                    AnalyticsTables.EVENTS_PER_HOUR);
    private static final String USAGE =
            "usage: BackfillJob --config F --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z"
                    + " [--source postgres|archive] [--chunk-minutes 60] [--max-rows-per-second N]";

    private BackfillJob() {}

    /** What to rebuild and from where. */
    public record Options(
            String config,
            Instant from,
            Instant to,
            String source,
            long chunkMs,
            long maxRowsPerSecond) {

        public static Options parse(String[] args) {
            Map<String, String> a = new java.util.HashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException(
                            "unexpected argument '" + args[i] + "'\n" + USAGE);
                }
                a.put(args[i].substring(2), args[++i]);
            }
            for (String key : a.keySet()) {
                if (!List.of(
                                "config",
                                "from",
                                "to",
                                "source",
                                "chunk-minutes",
                                "max-rows-per-second")
                        .contains(key)) {
                    throw new IllegalArgumentException("unknown option --" + key + "\n" + USAGE);
                }
            }
            if (!a.containsKey("config") || !a.containsKey("from") || !a.containsKey("to")) {
                throw new IllegalArgumentException(
                        "--config, --from and --to are required\n" + USAGE);
            }
            Instant from = hour(a.get("from"), "--from");
            Instant to = hour(a.get("to"), "--to");
            if (!from.isBefore(to)) {
                throw new IllegalArgumentException("--from must be before --to");
            }
            String source = a.getOrDefault("source", "postgres");
            if (!source.equals("postgres") && !source.equals("archive")) {
                throw new IllegalArgumentException(
                        "--source must be postgres or archive, got '" + source + "'");
            }
            long chunkMinutes = Long.parseLong(a.getOrDefault("chunk-minutes", "60"));
            long rate = Long.parseLong(a.getOrDefault("max-rows-per-second", "0"));
            if (chunkMinutes < 1 || rate < 0) {
                throw new IllegalArgumentException(
                        "--chunk-minutes must be at least 1 and --max-rows-per-second not negative");
            }
            return new Options(a.get("config"), from, to, source, chunkMinutes * 60_000L, rate);
        }

        private static Instant hour(String text, String option) {
            Instant t;
            try {
                t = Instant.parse(text);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        option
                                + " must be an ISO-8601 UTC time like 2026-11-20T00:00:00Z, got '"
                                + text
                                + "'");
            }
            if (t.getEpochSecond() % 3600 != 0 || t.getNano() != 0) {
                throw new IllegalArgumentException(
                        option
                                + " must be on a whole hour (the rollups' largest window), got "
                                + t);
            }
            return t;
        }
    }

    /** The versions of one run, fixed when it is planned. */
    record Plan(long eventsVersion, long rollupBase) implements java.io.Serializable {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        SluiceConfig config = ConfigLoader.load(Path.of(options.config()));
        PiiHasher hasher =
                options.source().equals("postgres")
                        ? PiiHasher.fromConfig(config, System.getenv())
                        : null; // the archive is written after PII hashing
        checkClosed(config, options, Instant.now());
        AnalyticsSetup.prepare(config);
        StreamExecutionEnvironment env = JobEnvironment.create(config);
        Plan plan = plan(config, options);
        build(env, config, options, plan, hasher);
        JobClient job = env.executeAsync(name(options));
        try {
            follow(job, options);
        } catch (Exception failed) {
            System.err.println("backfill failed: " + failed);
            failed.printStackTrace(System.err);
            System.exit(1);
        }
        // A MiniCluster's non-daemon threads may outlive main: the exit status is decided here.
        System.exit(0);
    }

    static String name(Options o) {
        return "sluice-backfill " + o.source() + " " + o.from() + ".." + o.to();
    }

    /** Refuses a range the streaming job may still change. */
    static void checkClosed(SluiceConfig config, Options o, Instant now) {
        Duration open =
                config.get(AnalyticsOptions.ALLOWED_LATENESS)
                        .plus(config.get(AnalyticsOptions.OUT_OF_ORDERNESS));
        if (o.to().isAfter(now.minus(open))) {
            throw new ConfigException(
                    List.of(
                            "--to "
                                    + o.to()
                                    + " is too recent: the streaming job may still change windows"
                                    + " after "
                                    + now.minus(open)
                                    + " (now minus analytics.allowed-lateness and"
                                    + " analytics.out-of-orderness); pick an earlier --to"));
        }
    }

    /**
     * Fixes the run's versions and, unless it resumes, zeroes the range's rollups and (from
     * Postgres) tombstones its events just below them.
     */
    static Plan plan(SluiceConfig config, Options o) throws SQLException {
        long eventsVersion = -1;
        if (o.source().equals("postgres")) {
            try (Connection pg = PostgresCatalog.openConnection(config);
                    Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT (pg_current_wal_lsn() - '0/0')::bigint")) {
                rs.next();
                eventsVersion = rs.getLong(1);
            }
        }
        // WAL-anchored like every version: above every rollup row already written (the range's
        // rows are set to 0 at this version), and below what a later resync writes.
        long maxRollupVersion = 0;
        try (ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            for (String rollup : rollups(config)) {
                String max = ch.queryValue("SELECT max(_version) FROM " + rollup);
                maxRollupVersion =
                        Math.max(
                                maxRollupVersion,
                                max == null || max.isEmpty() ? 0 : Long.parseLong(max));
            }
        }
        long rollupBase =
                Resync.anchorAbove(config, "backfill " + o.from() + ".." + o.to(), maxRollupVersion)
                        .lsn();
        Plan plan = new Plan(eventsVersion, rollupBase);
        return plan;
    }

    static List<String> overwriteStatements(SluiceConfig config, Options o, Plan plan) {
        long from = o.from().getEpochSecond();
        long to = o.to().getEpochSecond();
        List<String> sql = new ArrayList<>();
        for (String rollup : rollups(config)) {
            String w = windowColumn(rollup);
            sql.add(
                    "INSERT INTO "
                            + rollup
                            + " (`"
                            + w
                            + "`, event_name, events, _version) SELECT `"
                            + w
                            + "`, event_name, 0, "
                            + plan.rollupBase()
                            + " FROM "
                            + rollup
                            + " FINAL WHERE `"
                            + w
                            + "` >= toDateTime("
                            + from
                            + ") AND `"
                            + w
                            + "` < toDateTime("
                            + to
                            + ") AND events != 0");
        }
        if (plan.eventsVersion() >= 0) {
            AnalyticsTables.Table events =
                    AnalyticsTables.events(EventSchema.fromConfig(config).promoted());
            List<String> select = new ArrayList<>();
            for (String c : events.columnNames()) {
                select.add(
                        c.equals("_version")
                                ? Long.toString(plan.eventsVersion() - 1)
                                : c.equals("_is_deleted") ? "1" : "`" + c + "`");
            }
            sql.add(
                    "INSERT INTO events (`"
                            + String.join("`, `", events.columnNames())
                            + "`) SELECT "
                            + String.join(", ", select)
                            + " FROM events FINAL WHERE occurred_at >= toDateTime("
                            + from
                            + ") AND occurred_at < toDateTime("
                            + to
                            + ") AND _is_deleted = 0 AND _version < "
                            + plan.eventsVersion());
        }
        return sql;
    }

    /** The window rollups the configuration runs. */
    static List<String> rollups(SluiceConfig config) {
        return config.get(AnalyticsOptions.ROLLUPS).stream()
                .map(Rollup::tableName)
                .filter(WINDOW_ROLLUPS::contains)
                .toList();
    }

    private static String windowColumn(String rollup) {
        return switch (rollup) {
            case AnalyticsTables.EVENTS_PER_MINUTE -> "minute";
            case AnalyticsTables.EVENTS_PER_5M -> "window_start";
            case AnalyticsTables.EVENTS_PER_HOUR -> "hour";
            default -> throw new IllegalArgumentException(rollup);
        };
    }

    /** Wires the backfill; tests pass their own environment. */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Options o,
            Plan plan,
            PiiHasher hasher)
            throws IOException {
        EventSchema schema = EventSchema.fromConfig(config);
        long skew = config.get(AnalyticsOptions.MAX_FUTURE_SKEW).toMillis();
        // A backfill runs backpressured (by its pacing, or by ClickHouse): unaligned checkpoints
        // let barriers pass the buffered rows, so progress is checkpointed every interval.
        env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        long from = o.from().toEpochMilli();
        long to = o.to().toEpochMilli();
        DataStream<ChangeRecord> current;
        if (o.source().equals("postgres")) {
            long chunks = PostgresChunkReader.chunks(from, to, o.chunkMs());
            current =
                    env.fromSource(
                                    new NumberSequenceSource(0, chunks - 1),
                                    WatermarkStrategy.noWatermarks(),
                                    "backfill-chunks")
                            .uid("backfill-chunks")
                            .transform(
                                    "overwrite-range",
                                    Types.LONG,
                                    new FreshStartStatements<Long>(
                                            config, overwriteStatements(config, o, plan)))
                            .uid("overwrite-range")
                            .flatMap(
                                    new PostgresChunkReader(
                                            config,
                                            schema,
                                            from,
                                            to,
                                            o.chunkMs(),
                                            plan.eventsVersion(),
                                            o.maxRowsPerSecond()))
                            .name("read-postgres")
                            .uid("read-postgres");
            if (hasher != null) {
                current =
                        current.map(new PiiMasker(config, hasher)).name("hash-pii").uid("hash-pii");
            }
        } else {
            ChangeArchive.initializeS3(config);
            List<org.apache.flink.core.fs.Path> partitions =
                    archivePartitions(config, schema, o.from().minusMillis(skew));
            if (partitions.isEmpty()) {
                throw new ConfigException(
                        List.of(
                                "the archive at "
                                        + config.get(ArchiveOptions.PATH)
                                        + " has no partitions of "
                                        + schema.table()
                                        + " from "
                                        + o.from().minusMillis(skew)
                                        + " on: nothing to replay"));
            }
            FileSource<GenericRecord> files =
                    FileSource.forRecordStreamFormat(
                                    AvroParquetReaders.forGenericRecord(ChangeArchive.SCHEMA),
                                    partitions.toArray(new org.apache.flink.core.fs.Path[0]))
                            .build();
            current =
                    env.fromSource(files, WatermarkStrategy.noWatermarks(), "archive")
                            .uid("backfill-archive")
                            .map(new DecodeArchived(o.maxRowsPerSecond()))
                            .name("decode-archive")
                            .uid("decode-archive")
                            .transform(
                                    "overwrite-range",
                                    TypeInformation.of(ChangeRecord.class),
                                    new FreshStartStatements<ChangeRecord>(
                                            config, overwriteStatements(config, o, plan)))
                            .uid("overwrite-range")
                            .filter(c -> c.table().equals(schema.table()))
                            .name("events-only")
                            .keyBy(c -> schema.eventId(c), Types.STRING)
                            .process(new LatestChange())
                            .name("latest-change")
                            .uid("latest-change");
        }
        SingleOutputStreamOperator<EventDelta> deltas =
                current.process(new BackfillEvents(schema, skew, from, to, plan.eventsVersion()))
                        .returns(TypeInformation.of(EventDelta.class))
                        .name("backfill-events")
                        .uid("backfill-events");
        DataStream<AnalyticsRow> all = deltas.getSideOutput(CleanAndDedupeFunction.ROWS);
        for (String rollup : rollups(config)) {
            RollupSpec spec = RollupSpec.named(rollup);
            all =
                    all.union(
                            deltas.keyBy(d -> spec.key(d.event), Types.STRING)
                                    .process(
                                            new CountRollupFunction(
                                                    spec, Long.MAX_VALUE, plan.rollupBase()))
                                    .name(spec.name())
                                    .uid(spec.name()));
        }
        all.sinkTo(new AnalyticsSink(config, AnalyticsTables.all(schema.promoted())))
                .name("clickhouse-analytics-sink")
                .uid("clickhouse-analytics-sink");
    }

    /** The archive's hour partitions of the events table from {@code since}'s hour on. */
    static List<org.apache.flink.core.fs.Path> archivePartitions(
            SluiceConfig config, EventSchema schema, Instant since) throws IOException {
        org.apache.flink.core.fs.Path table =
                new org.apache.flink.core.fs.Path(
                        config.get(ArchiveOptions.PATH), schema.table().toString());
        FileSystem fs = table.getFileSystem();
        String first =
                DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH", Locale.ROOT)
                        .format(LocalDateTime.ofInstant(since, ZoneOffset.UTC));
        List<org.apache.flink.core.fs.Path> partitions = new ArrayList<>();
        if (!fs.exists(table)) {
            return partitions;
        }
        for (FileStatus day : fs.listStatus(table)) {
            if (!day.isDir() || !day.getPath().getName().startsWith("dt=")) {
                continue;
            }
            for (FileStatus hour : fs.listStatus(day.getPath())) {
                String id = day.getPath().getName() + "/" + hour.getPath().getName();
                if (hour.isDir() && id.compareTo(first) >= 0) {
                    partitions.add(hour.getPath());
                }
            }
        }
        return partitions;
    }

    /** Prints progress every 5 s until the job ends, then a summary; fails if the job failed. */
    static JobExecutionResult follow(JobClient job, Options o) throws Exception {
        long started = System.nanoTime();
        long chunks =
                PostgresChunkReader.chunks(
                        o.from().toEpochMilli(), o.to().toEpochMilli(), o.chunkMs());
        JobExecutionResult result =
                awaitResult(
                        job,
                        PROGRESS_INTERVAL,
                        acc -> System.out.println(progress(acc, o, chunks, started)));
        System.out.println(
                "backfill finished: "
                        + progress(result.getAllAccumulatorResults(), o, chunks, started)
                        + ", "
                        + number(result.getAllAccumulatorResults(), BackfillEvents.EVENTS)
                        + " events written, "
                        + number(result.getAllAccumulatorResults(), BackfillEvents.SKIPPED)
                        + " rows not usable");
        return result;
    }

    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

    /**
     * Waits for the job's result, reporting its accumulators every {@code interval} while it runs.
     * The result is the only thing asked for once the job may have ended: a local MiniCluster shuts
     * down with its job, after which {@code getJobStatus()} and {@code getAccumulators()} fail, so
     * a job that finished between two polls must not be polled again. A failed job throws its own
     * error (the cause of Flink's {@code JobExecutionException}).
     */
    static JobExecutionResult awaitResult(
            JobClient job, Duration interval, Consumer<Map<String, Object>> report)
            throws Exception {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (true) {
            try {
                return result.get(interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException running) {
                try {
                    report.accept(
                            job.getAccumulators().get(interval.toMillis(), TimeUnit.MILLISECONDS));
                } catch (Exception notAvailable) {
                    // not yet running, or it just ended: the result says which
                }
            } catch (ExecutionException failed) {
                throw rootJobError(failed);
            }
        }
    }

    /**
     * The job's own error under Flink's wrappers (JobExecutionException, "Recovery is suppressed"
     * JobException, CompletionException).
     */
    static Exception rootJobError(Throwable t) {
        Throwable e = t;
        while ((e instanceof ExecutionException
                        || e instanceof CompletionException
                        || e instanceof JobExecutionException
                        || e instanceof JobException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof Exception ex ? ex : new RuntimeException(e);
    }

    static String progress(Map<String, Object> acc, Options o, long chunks, long startedNanos) {
        long rows = number(acc, PostgresChunkReader.ROWS_READ);
        double seconds = Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
        String done =
                o.source().equals("postgres")
                        ? String.format(
                                Locale.ROOT,
                                ", %d/%d chunks (%.1f %%)",
                                number(acc, PostgresChunkReader.CHUNKS_DONE),
                                chunks,
                                100.0 * number(acc, PostgresChunkReader.CHUNKS_DONE) / chunks)
                        : "";
        return String.format(
                Locale.ROOT,
                "%d rows read%s in %.0f s (%.0f rows/s)",
                rows,
                done,
                seconds,
                rows / seconds);
    }

    private static long number(Map<String, Object> acc, String name) {
        Object v = acc.get(name);
        return v instanceof Number n ? n.longValue() : 0;
    }

    /** Archived records back into changes, counted and paced. */
    static final class DecodeArchived extends RichMapFunction<GenericRecord, ChangeRecord> {
        private static final long serialVersionUID = 1L;
        private final long maxRowsPerSecond;
        private transient Pacer pacer;
        private transient org.apache.flink.api.common.accumulators.LongCounter rowsRead;

        DecodeArchived(long maxRowsPerSecond) {
            this.maxRowsPerSecond = maxRowsPerSecond;
        }

        @Override
        public void open(OpenContext openContext) {
            pacer = new Pacer(maxRowsPerSecond);
            rowsRead = getRuntimeContext().getLongCounter(PostgresChunkReader.ROWS_READ);
        }

        @Override
        public ChangeRecord map(GenericRecord r) throws InterruptedException {
            rowsRead.add(1);
            pacer.row();
            return ChangeArchive.decode(r);
        }
    }
}
