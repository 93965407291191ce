package io.sluice.jobs.kafka;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.ops.Health;
import io.sluice.jobs.ops.Startup;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The changes of the captured tables from Kafka ({@code source.kind: kafka}): one Debezium-JSON
 * topic per table, {@code <kafka.topic-prefix>.<schema>.<table>}, read with Flink's Kafka source.
 *
 * <ul>
 *   <li>The offsets are part of every checkpoint and restored with it; a run without state reads
 *       every topic from its beginning. The consumer group's committed offsets are written when a
 *       checkpoint completes, for lag monitoring, and never read.
 *   <li>Only committed records are read ({@code read_committed}), for producers that write in
 *       transactions.
 *   <li>The topics are a pattern, checked again every {@value #DISCOVERY_MS} ms: a connector
 *       creates a table's topic with its first message, which may come after the job started.
 *   <li>Exactness does not rest on the offsets alone: each change is versioned by its WAL position
 *       ({@link DebeziumJsonDeserializer}), so the duplicates an at-least-once connector writes
 *       after its own restart leave the same rows.
 * </ul>
 */
public final class KafkaChangeSource {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaChangeSource.class);

    private KafkaChangeSource() {}

    static final long DISCOVERY_MS = 5_000;

    /** The topic of {@code table} under {@code prefix}, as Debezium names it. */
    public static String topic(String prefix, TableId table) {
        return prefix + "." + table.schema() + "." + table.table();
    }

    /** A pattern matching exactly the topics of the captured tables. */
    static Pattern topics(SluiceConfig config) {
        String prefix = config.get(SourceOptions.KAFKA_TOPIC_PREFIX);
        return Pattern.compile(
                config.tables().stream()
                        .map(t -> Pattern.quote(topic(prefix, t)))
                        .collect(Collectors.joining("|")));
    }

    public static KafkaSource<ChangeRecord> create(SluiceConfig config) {
        Map<TableId, Set<String>> unreplicated;
        try (PostgresCatalog catalog = PostgresCatalog.connect(config)) {
            unreplicated = catalog.unreplicatedColumns(config.tables());
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the Postgres catalog of the captured tables: " + e.getMessage(),
                    e);
        }
        return KafkaSource.<ChangeRecord>builder()
                .setBootstrapServers(config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopicPattern(topics(config))
                .setGroupId(config.get(SourceOptions.KAFKA_GROUP_ID))
                // Without restored state: from the beginning of each topic, never from the group's
                // committed offsets, which a fresh run must not trust (another run committed them).
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new DebeziumJsonDeserializer(unreplicated))
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", Long.toString(DISCOVERY_MS))
                .build();
    }

    /**
     * The environment of a job run reading Kafka: the brokers checked, and the run planned by
     * {@link Startup#prepareFromKafka} (resumed from the pipeline's newest checkpoint, or fresh).
     */
    public static StreamExecutionEnvironment environment(
            SluiceConfig config, String job, String[] args) throws IOException {
        checkReachable(config);
        return JobEnvironment.create(
                config,
                Startup.prepareFromKafka(
                        config,
                        job,
                        JobEnvironment.fresh(args),
                        JobEnvironment.explicitRestore(args)));
    }

    /**
     * The analytics job's event clock follows the order it reads the events topic in: WAL order
     * within a partition, partitions interleaved as they arrive (docs/kafka.md, limits). Says so
     * when the events topic exists with more than one partition.
     */
    private static void warnOfPartitionedEvents(SluiceConfig config, AdminClient admin) {
        TableId events = TableId.parse(config.get(AnalyticsOptions.EVENTS_TABLE));
        if (events == null || !config.tables().contains(events)) {
            return;
        }
        String name = topic(config.get(SourceOptions.KAFKA_TOPIC_PREFIX), events);
        try {
            int partitions =
                    admin.describeTopics(List.of(name))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(name)
                            .partitions()
                            .size();
            if (partitions > 1) {
                LOG.warn(
                        "Topic {} has {} partitions: the analytics job reads its events in WAL"
                                + " order per partition only, so whether an event near"
                                + " analytics.repair-horizon is late can depend on how the"
                                + " partitions interleave. One partition keeps the verdicts of"
                                + " the replication-slot path (docs/kafka.md)",
                        name,
                        partitions);
            }
        } catch (Exception notThereYet) {
            LOG.info("Topic {} is not there yet; the job reads it once it is", name);
        }
    }

    /**
     * The consumer group's lag on the captured tables' topics: the committed offsets (written at
     * each completed checkpoint) against the end of each partition.
     */
    public static Health.GroupLag lag(SluiceConfig config) {
        String group = config.get(SourceOptions.KAFKA_GROUP_ID);
        Pattern topics = topics(config);
        try (AdminClient admin = AdminClient.create(adminConfig(config))) {
            Map<TopicPartition, OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets(group)
                            .partitionsToOffsetAndMetadata()
                            .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> ends = new java.util.HashMap<>();
            for (String topic : admin.listTopics().names().get(30, TimeUnit.SECONDS)) {
                if (topics.matcher(topic).matches()) {
                    admin.describeTopics(List.of(topic))
                            .allTopicNames()
                            .get(30, TimeUnit.SECONDS)
                            .get(topic)
                            .partitions()
                            .forEach(
                                    p ->
                                            ends.put(
                                                    new TopicPartition(topic, p.partition()),
                                                    OffsetSpec.latest()));
                }
            }
            long behind = 0;
            boolean all = !ends.isEmpty();
            for (var end : admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata at = committed.get(end.getKey());
                if (at == null) {
                    all = false;
                    behind += end.getValue().offset();
                } else {
                    behind += Math.max(0, end.getValue().offset() - at.offset());
                }
            }
            return new Health.GroupLag(group, ends.size(), all, behind);
        } catch (Exception e) {
            throw new ConfigException(
                    List.of(
                            "cannot read the lag of consumer group '"
                                    + group
                                    + "' at "
                                    + config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS)
                                    + " (kafka.bootstrap-servers): "
                                    + e.getMessage()));
        }
    }

    private static Properties adminConfig(SluiceConfig config) {
        Properties p = new Properties();
        p.setProperty(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS));
        p.setProperty(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        return p;
    }

    /** Fails with the setting to check when no broker answers within 30 s. */
    public static void checkReachable(SluiceConfig config) {
        String servers = config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS);
        try (AdminClient admin = AdminClient.create(adminConfig(config))) {
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
            warnOfPartitionedEvents(config, admin);
        } catch (Exception e) {
            throw new ConfigException(
                    List.of(
                            "cannot reach Kafka at "
                                    + servers
                                    + " (kafka.bootstrap-servers): "
                                    + e.getMessage()));
        }
    }
}
