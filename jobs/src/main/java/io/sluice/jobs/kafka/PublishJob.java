package io.sluice.jobs.kafka;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.pii.PiiHasher;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Startup;
import io.sluice.jobs.pii.PiiMasker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code --publish-to-kafka}: the job reads the replication slot as the mirror does (snapshot, then
 * stream, one slot, PII hashed) and writes every change to Kafka as Debezium JSON, one topic per
 * table ({@code kafka.topic-prefix.schema.table}), for other consumers: a Sluice job with {@code
 * source.kind: kafka}, or any Debezium-JSON reader ({@link DebeziumJsonPublisher}).
 *
 * <p>Exactly once: the messages are written in Kafka transactions committed when a checkpoint
 * completes, and the slot is confirmed only up to a checkpointed position. A restored run resumes
 * from its checkpoint; transactions of the failed attempt are aborted, so a {@code read_committed}
 * consumer sees each change once. A run without state (the first, {@code --fresh}, a lost slot)
 * publishes a new snapshot whose rows are versioned at a new, higher anchor, so a consumer that
 * versions rows by {@code source.lsn} ends with the same rows.
 */
public final class PublishJob {
    /** The command-line flag of the mode. */
    public static final String FLAG = "--publish-to-kafka";

    /** The pipeline name: checkpoints under {@code <checkpoint-dir>/publish-...}. */
    static final String PIPELINE = "publish";

    /** Kafka transactions must end within the broker's limit (15 min by default). */
    static final String TRANSACTION_TIMEOUT_MS = "600000";

    private PublishJob() {}

    /** Whether {@code args} ask for the publish mode. */
    public static boolean requested(String[] args) {
        return List.of(args).contains(FLAG);
    }

    public static void main(String[] args) throws Exception {
        SluiceConfig config = ConfigLoader.load(Path.of(JobEnvironment.configPath(args)));
        check(config);
        PiiHasher hasher = PiiHasher.fromConfig(config, System.getenv());
        prepare(config);
        Startup.Plan plan =
                Startup.prepare(
                        config,
                        PIPELINE,
                        JobEnvironment.fresh(args),
                        JobEnvironment.explicitRestore(args),
                        Map.of());
        StreamExecutionEnvironment env = JobEnvironment.create(config, plan);
        build(env, config, plan.anchor().lsn(), plan.anchor().commitMs(), hasher, true);
        env.execute("sluice-publish");
    }

    /** Creates (or completes) the publication of the captured tables, as the mirror does. */
    public static void prepare(SluiceConfig config) throws SQLException {
        try (PostgresCatalog catalog = PostgresCatalog.connect(config)) {
            catalog.ensurePublication(
                    config.get(PostgresSourceOptions.PUBLICATION), config.tables());
        }
    }

    /** The publish mode needs the slot path as its source, and the brokers and prefix to write. */
    public static void check(SluiceConfig config) {
        List<String> problems = new ArrayList<>();
        if (SourceOptions.fromKafka(config)) {
            problems.add(
                    FLAG
                            + " reads the replication slot and writes Kafka: it cannot run with"
                            + " 'source.kind: kafka' (that is the consumer's setting)");
        }
        if (config.getOptional(SourceOptions.KAFKA_BOOTSTRAP_SERVERS).isEmpty()) {
            problems.add(
                    "'kafka.bootstrap-servers' is required with "
                            + FLAG
                            + ": the brokers to write the change topics to");
        }
        if (config.getOptional(SourceOptions.KAFKA_TOPIC_PREFIX).isEmpty()) {
            problems.add(
                    "'kafka.topic-prefix' is required with "
                            + FLAG
                            + ": the topics are PREFIX.schema.table");
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * Wires the topology: the slot source turning records into messages, the {@link
     * LifecycleGuard}'s slot checks ({@code guard}; tests without a plan leave it out), and the
     * transactional Kafka sink.
     */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            long anchorLsn,
            long anchorCommitMs,
            PiiHasher hasher,
            boolean guard) {
        String prefix = config.get(SourceOptions.KAFKA_TOPIC_PREFIX);
        PiiMasker masker = hasher == null ? null : new PiiMasker(config, hasher);
        int parallelism = config.get(JobOptions.PARALLELISM);
        DataStream<PublishedChange> changes =
                env.fromSource(
                                MirrorSource.create(
                                        config,
                                        catchUp ->
                                                new DebeziumJsonPublisher(
                                                        prefix,
                                                        anchorLsn,
                                                        anchorCommitMs,
                                                        catchUp,
                                                        masker)),
                                WatermarkStrategy.noWatermarks(),
                                "postgres-cdc")
                        .uid("postgres-cdc-source")
                        .setParallelism(parallelism);
        if (guard) {
            changes =
                    changes.transform(
                                    "lifecycle-guard",
                                    changes.getType(),
                                    new LifecycleGuard<PublishedChange>(config, anchorLsn))
                            .uid("lifecycle-guard")
                            .setParallelism(parallelism);
        }
        changes.sinkTo(sink(config)).name("kafka-publish").uid("kafka-publish");
    }

    static KafkaSink<PublishedChange> sink(SluiceConfig config) {
        String prefix = config.get(SourceOptions.KAFKA_TOPIC_PREFIX);
        return KafkaSink.<PublishedChange>builder()
                .setBootstrapServers(config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                // One prefix per topic prefix: two publishing pipelines never fence each other.
                .setTransactionalIdPrefix("sluice-publish-" + prefix)
                .setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS)
                .build();
    }

    /** Each change to its table's topic, keyed by the primary key (so ordered per row). */
    static KafkaRecordSerializationSchema<PublishedChange> serializer() {
        return (change, context, timestamp) -> {
            ProducerRecord<byte[], byte[]> record =
                    new ProducerRecord<>(change.topic, null, change.key, change.value);
            if (change.catchUp) {
                record.headers()
                        .add(
                                DebeziumJsonPublisher.CATCH_UP_HEADER,
                                "1".getBytes(StandardCharsets.US_ASCII));
            }
            return record;
        };
    }
}
