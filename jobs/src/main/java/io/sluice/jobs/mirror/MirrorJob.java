package io.sluice.jobs.mirror;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.ClickHouseSink;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.config.TableId;
import io.sluice.common.pii.PiiHasher;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.kafka.KafkaChangeSource;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Startup;
import io.sluice.jobs.pii.PiiMasker;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Mirrors Postgres tables into ClickHouse: one Flink CDC source (one slot) over the configured
 * tables, PII hashed ({@link PiiMasker}), keyed by table and primary key, into the ClickHouse sink.
 *
 * <p>Usage: {@code MirrorJob --config conf/sluice.yaml [--fresh]}: resumes from the pipeline's
 * newest retained checkpoint unless {@code --fresh} (see {@link Startup}). With {@code source.kind:
 * kafka} the changes come from Debezium-JSON topics instead of a slot ({@link KafkaChangeSource}).
 */
public final class MirrorJob {
    private MirrorJob() {}

    public static void main(String[] args) throws Exception {
        if (io.sluice.jobs.kafka.PublishJob.requested(args)) {
            io.sluice.jobs.kafka.PublishJob.main(args);
            return;
        }
        SluiceConfig config = ConfigLoader.load(Path.of(JobEnvironment.configPath(args)));
        // Refuses to start when PII fields are configured and the key is missing.
        PiiHasher hasher = PiiHasher.fromConfig(config, System.getenv());
        Preflight.check(config);
        MirrorSetup.prepare(config);
        Map<TableId, List<String>> keys = primaryKeys(config);
        if (SourceOptions.fromKafka(config)) {
            StreamExecutionEnvironment env = KafkaChangeSource.environment(config, "mirror", args);
            build(env, config, KafkaChangeSource.create(config), hasher);
            env.execute("sluice-mirror");
            return;
        }
        Startup.Plan plan =
                Startup.prepare(
                        config,
                        "mirror",
                        JobEnvironment.fresh(args),
                        JobEnvironment.explicitRestore(args),
                        keys);
        StreamExecutionEnvironment env = JobEnvironment.create(config, plan);
        mirror(
                PiiMasker.apply(
                        guarded(
                                changes(env, config, MirrorSource.create(config, plan.anchor())),
                                new LifecycleGuard<>(config, keys, false, plan.anchor().lsn()),
                                config),
                        config,
                        hasher),
                config);
        env.execute("sluice-mirror");
    }

    /** Wires the topology; tests pass their own environment, source and hasher (or none). */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Source<ChangeRecord, ?, ?> source,
            PiiHasher hasher)
            throws SQLException {
        mirror(PiiMasker.apply(changes(env, config, source), config, hasher), config);
    }

    /**
     * The one change source of a job (one replication slot, or the Kafka topics), at the job's
     * parallelism.
     */
    public static DataStream<ChangeRecord> changes(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Source<ChangeRecord, ?, ?> source) {
        boolean kafka = SourceOptions.fromKafka(config);
        return env.fromSource(
                        source, WatermarkStrategy.noWatermarks(), kafka ? "kafka" : "postgres-cdc")
                .uid(kafka ? "kafka-source" : "postgres-cdc-source")
                .setParallelism(config.get(JobOptions.PARALLELISM));
    }

    /**
     * The changes through the {@link LifecycleGuard} (resync of a run without state, slot check of
     * a restored one), chained to the source.
     */
    public static DataStream<ChangeRecord> guarded(
            DataStream<ChangeRecord> changes,
            LifecycleGuard<ChangeRecord> guard,
            SluiceConfig config) {
        return changes.transform("lifecycle-guard", changes.getType(), guard)
                .uid("lifecycle-guard")
                .setParallelism(config.get(JobOptions.PARALLELISM));
    }

    /** The primary key of every captured table. */
    public static Map<TableId, List<String>> primaryKeys(SluiceConfig config) throws SQLException {
        try (PostgresCatalog catalog = PostgresCatalog.connect(config)) {
            return catalog.primaryKeys(config.tables());
        }
    }

    /** Keys the changes by table and primary key into the ClickHouse mirror tables. */
    public static void mirror(DataStream<ChangeRecord> changes, SluiceConfig config)
            throws SQLException {
        // Primary keys are read once here: the key selector and the sink then need no catalog.
        Map<TableId, List<String>> keys = primaryKeys(config);
        PostgresTableRouting routing = new PostgresTableRouting(config, keys);
        changes.keyBy(new RowKeySelector(routing))
                .sinkTo(new ClickHouseSink(config, routing))
                .name("clickhouse-mirror-sink")
                .uid("clickhouse-mirror-sink");
    }
}
