package io.sluice.jobs.analytics.backfill;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ArchiveOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.ProductAnalyticsOptions.CohortBy;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.analytics.UserScopedAnalytics;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventDeltaSerializer;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.LatestChange;
import io.sluice.jobs.analytics.model.StringKey;
import io.sluice.jobs.analytics.operators.CleanAndDedupeFunction;
import io.sluice.jobs.analytics.operators.CountRollupFunction;
import io.sluice.jobs.analytics.operators.RollupSpec;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.FreshStartStatements;
import io.sluice.jobs.analytics.setup.OperationalTables;
import io.sluice.jobs.analytics.sink.AnalyticsSinkOperator;
import io.sluice.jobs.archive.ChangeArchive;
import io.sluice.jobs.pii.PiiMasker;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.parquet.avro.AvroParquetReaders;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The backfill's Flink job: the range's current events, from Postgres or from the archive, each
 * after the fresh-start overwrite ({@link FreshStartStatements}); then {@link BackfillEvents} (the
 * analytics.events rows) and one {@link CountRollupFunction} per window rollup (events and errors
 * per window), into the analytics sink.
 *
 * <pre>
 * postgres: read-postgres -> overwrite-range -> count-progress -> [hash-pii] ---+
 * archive:  backfill-archive -> decode-archive -> overwrite-range -> events-only  |
 *           -> latest-change (keyed by event id) ----------------------------------+
 *   -> backfill-events -> rows ------------------------------------+
 *                      -> deltas -> events_per_minute, _5m, _hour -+-> clickhouse-analytics-sink
 *                      -> history -> user-scoped operators,         |
 *                                    sessions_daily -> closed-user-rows -+
 *   errors_1m (+ the buckets before the range), active_users_daily     |
 *     -> alerts -> rewritten-alert-points -----------------------------+
 * </pre>
 */
public final class BackfillTopology {
    private BackfillTopology() {}

    /** Wires the backfill into {@code env}; tests pass their own environment. */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            BackfillPlan plan,
            PiiHasher hasher)
            throws IOException {
        EventSchema schema = EventSchema.fromConfig(config);
        long skew = config.get(AnalyticsOptions.MAX_FUTURE_SKEW).toMillis();
        // A backfill runs backpressured (by its pacing, or by ClickHouse): unaligned checkpoints
        // let barriers pass the buffered rows, so progress is checkpointed every interval.
        env.getCheckpointConfig().enableUnalignedCheckpoints(true);
        DataStream<ChangeRecord> current =
                plan.options().source() == BackfillOptions.Source.POSTGRES
                        ? fromPostgres(env, config, plan, schema, hasher)
                        : fromArchive(env, config, plan, schema, skew);
        BackfillOptions o = plan.options();
        SingleOutputStreamOperator<EventDelta> deltas =
                current.process(
                                new BackfillEvents(
                                        schema,
                                        skew,
                                        o.from().toEpochMilli(),
                                        o.to().toEpochMilli(),
                                        plan.eventsVersion(),
                                        plan.readToMs(),
                                        plan.users() == null ? -1 : plan.rollupBase() + 1))
                        .returns(EventDeltaSerializer.TYPE)
                        .name("backfill-events")
                        .uid("backfill-events");
        DataStream<AnalyticsRow> all = deltas.getSideOutput(CleanAndDedupeFunction.ROWS);
        DataStream<AnalyticsRow> errors1m = null;
        for (String rollup : BackfillPlan.rollups(config)) {
            DataStream<AnalyticsRow> rows = countRollup(deltas, rollup, config, plan);
            if (rollup.equals(OperationalTables.ERRORS_1M)) {
                errors1m = rows;
            }
            all = all.union(rows);
        }
        DataStream<AnalyticsRow> activeUsers = null;
        if (plan.users() != null) {
            UserScopedAnalytics.Rows users = userTables(current, deltas, config, schema, plan);
            all = all.union(closed(users.all(), plan));
            activeUsers = users.activeUsers();
        }
        DataStream<AnalyticsRow> alerts =
                BackfillAlerts.attach(env, config, plan, errors1m, activeUsers);
        if (alerts != null) {
            all = all.union(alerts);
        }
        all.transform(
                        "clickhouse-analytics-sink",
                        Types.VOID,
                        new AnalyticsSinkOperator(config, AnalyticsTables.all(schema.promoted())))
                .uid("clickhouse-analytics-sink");
    }

    /**
     * The user-scoped tables, from the replayed history through the streaming job's own operators
     * ({@link UserScopedAnalytics}) and sessions_daily's rollup, at versions above {@link
     * BackfillPlan#rollupBase}; only the closed rows of {@link UserTableRanges} are written. With
     * {@code cohort-by: signup} the operators run by first event (a backfill does not read the
     * users table) and the cohort tables are left alone.
     */
    private static UserScopedAnalytics.Rows userTables(
            DataStream<ChangeRecord> current,
            SingleOutputStreamOperator<EventDelta> deltas,
            SluiceConfig config,
            EventSchema schema,
            BackfillPlan plan) {
        DataStream<EventDelta> history = deltas.getSideOutput(BackfillEvents.HISTORY);
        SluiceConfig byFirstEvent =
                config.with(ProductAnalyticsOptions.RETENTION_COHORT_BY, CohortBy.FIRST_EVENT);
        long horizon = config.get(AnalyticsOptions.REPAIR_HORIZON).toMillis();
        UserScopedAnalytics.Rows users =
                UserScopedAnalytics.attach(current, history, byFirstEvent, schema, horizon);
        List<DataStream<AnalyticsRow>> rows = new ArrayList<>(users.all());
        if (config.get(AnalyticsOptions.ROLLUPS).contains(Rollup.SESSIONS_DAILY)) {
            rows.add(countRollup(history, AnalyticsTables.SESSIONS_DAILY, config, plan));
        }
        return new UserScopedAnalytics.Rows(rows, users.activeUsers());
    }

    /**
     * The closed rows of the user-scoped tables ({@link UserTableRanges}): those the run writes.
     */
    private static DataStream<AnalyticsRow> closed(
            List<DataStream<AnalyticsRow>> rows, BackfillPlan plan) {
        DataStream<AnalyticsRow> all = rows.get(0);
        for (DataStream<AnalyticsRow> more : rows.subList(1, rows.size())) {
            all = all.union(more);
        }
        return all.filter(plan.users()).name("closed-user-rows").uid("closed-user-rows");
    }

    /** A count rollup of {@code deltas}, its versions above the plan's base. */
    private static DataStream<AnalyticsRow> countRollup(
            DataStream<EventDelta> deltas, String rollup, SluiceConfig config, BackfillPlan plan) {
        RollupSpec spec =
                RollupSpec.of(Rollup.valueOf(rollup.toUpperCase(java.util.Locale.ROOT)), config);
        return deltas.keyBy(d -> spec.key(d.event), Types.STRING)
                .process(RollupSpec.function(spec, Long.MAX_VALUE, plan.rollupBase()))
                .name(spec.name())
                .uid(spec.name());
    }

    /** The range's rows, re-read from the events table chunk by chunk, with PII hashed. */
    private static DataStream<ChangeRecord> fromPostgres(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            BackfillPlan plan,
            EventSchema schema,
            PiiHasher hasher) {
        BackfillOptions o = plan.options();
        PostgresChunkSource chunks =
                new PostgresChunkSource(
                        config,
                        schema.table(),
                        schema.occurredAt,
                        schema.eventId,
                        plan.eventsVersion(),
                        plan.chunks());
        TypeInformation<ChunkRead> type = chunks.getProducedType();
        DataStream<ChangeRecord> rows =
                env.fromSource(
                                paced(chunks, type, o.maxRowsPerSecond()),
                                WatermarkStrategy.noWatermarks(),
                                "read-postgres",
                                type)
                        .uid("read-postgres")
                        .transform(
                                "overwrite-range",
                                type,
                                new FreshStartStatements<ChunkRead>(
                                        config, plan.overwriteStatements(config)))
                        .uid("overwrite-range")
                        .flatMap(new ChunkProgress())
                        .name("count-progress")
                        .uid("count-progress");
        return PiiMasker.apply(rows, config, hasher);
    }

    /**
     * Every archived change of the events table that can belong to the range, reduced to each
     * event's newest change (the archive is written after PII hashing).
     */
    private static DataStream<ChangeRecord> fromArchive(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            BackfillPlan plan,
            EventSchema schema,
            long skewMs)
            throws IOException {
        ChangeArchive.initializeS3(config);
        Instant since =
                plan.readFromMs() == Long.MIN_VALUE
                        ? Instant.EPOCH
                        : plan.options().from().minusMillis(skewMs);
        List<Path> partitions = BackfillPlan.archivePartitions(config, schema, since);
        if (partitions.isEmpty()) {
            throw new ConfigException(
                    List.of(
                            "the archive at "
                                    + config.get(ArchiveOptions.PATH)
                                    + " has no partitions of "
                                    + schema.table()
                                    + " from "
                                    + since
                                    + " on: nothing to replay"));
        }
        FileSource<GenericRecord> files =
                FileSource.forRecordStreamFormat(
                                AvroParquetReaders.forGenericRecord(ChangeArchive.SCHEMA),
                                partitions.toArray(new Path[0]))
                        .build();
        return env.fromSource(
                        paced(files, files.getProducedType(), plan.options().maxRowsPerSecond()),
                        WatermarkStrategy.noWatermarks(),
                        "archive",
                        files.getProducedType())
                .uid("backfill-archive")
                .map(new DecodeArchived())
                .name("decode-archive")
                .uid("decode-archive")
                .transform(
                        "overwrite-range",
                        TypeInformation.of(ChangeRecord.class),
                        new FreshStartStatements<ChangeRecord>(
                                config, plan.overwriteStatements(config)))
                .uid("overwrite-range")
                .filter(c -> c.table().equals(schema.table()))
                .name("events-only")
                .keyBy(c -> schema.eventId(c), StringKey.TYPE)
                .process(new LatestChange())
                .name("latest-change")
                .uid("latest-change");
    }

    /** {@code source} held to {@code rowsPerSecond} per reader, or as it is (0: no limit). */
    private static <T, S extends SourceSplit, E> Source<T, S, E> paced(
            Source<T, S, E> source, TypeInformation<T> type, long rowsPerSecond) {
        return rowsPerSecond > 0 ? new RateLimitedSource<>(source, type, rowsPerSecond) : source;
    }

    /** Archived records back into changes, counted. */
    static final class DecodeArchived extends RichMapFunction<GenericRecord, ChangeRecord> {
        private static final long serialVersionUID = 1L;
        private transient LongCounter rowsRead;

        @Override
        public void open(OpenContext context) {
            rowsRead = getRuntimeContext().getLongCounter(ChunkProgress.ROWS_READ);
        }

        @Override
        public ChangeRecord map(GenericRecord r) {
            rowsRead.add(1);
            return ChangeArchive.decode(r);
        }
    }
}
