package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.kafka.KafkaChangeSource;
import io.sluice.jobs.kafka.PublishJob;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.ops.Resync;
import io.sluice.jobs.ops.Startup;
import io.sluice.testkit.KafkaBroker;
import io.sluice.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code --publish-to-kafka} end to end on real processes: Sluice's publish job reads the slot
 * (snapshot, then stream) and writes Debezium-JSON topics to a Kafka 4 broker (KRaft) in
 * transactions; a second Sluice job with {@code source.kind: kafka} reads them into the mirror and
 * analytics tables. While changes stream, the broker is SIGKILLed and restarted, and later the
 * TaskManager running both jobs is killed: the publisher's open transactions are aborted, and both
 * jobs restore their last checkpoints. After the snapshot and at the end, every mirror and
 * analytics table equals SQL over Postgres; PII was hashed once, by the publisher (the consumer
 * hashes nothing), and no message ever written to the topics, aborted ones included, holds a raw
 * e-mail address.
 */
class PublishToKafkaIT {
    private static final Logger LOG = LoggerFactory.getLogger(PublishToKafkaIT.class);
    private static final String PREFIX = "sl";

    /** Two jobs at parallelism 2. */
    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void sluicesOwnTopicsThroughABrokerRestartAndACrashEndExact(
            @TempDir Path tmp, @InjectMiniCluster MiniCluster cluster) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("publish");
        String chDb = servers.clickhouse().newDatabase("publish_mirror");
        String anDb = servers.clickhouse().newDatabase("publish");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb);
                ClickHouseConnection mirror = JobTestSupport.clickHouse(servers, chDb);
                KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"))) {
            EventWorkload workload =
                    new EventWorkload(pg, 31, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(1_000);
            Map<String, Object> settings = AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
            settings.put(SourceOptions.KAFKA_BOOTSTRAP_SERVERS.key(), broker.bootstrapServers());
            settings.put(SourceOptions.KAFKA_TOPIC_PREFIX.key(), PREFIX);
            SluiceConfig publish = SluiceConfig.of(settings);
            PublishJob.check(publish);
            PublishJob.prepare(publish);
            // The consumer reads topics whose PII is hashed already: it hashes nothing itself.
            Map<String, Object> consumerSettings = new HashMap<>(settings);
            consumerSettings.put(SourceOptions.KIND.key(), "kafka");
            consumerSettings.remove(PiiOptions.COLUMNS.key());
            consumerSettings.remove(PiiOptions.PROPERTY_KEYS.key());
            consumerSettings.remove(PiiOptions.DETECT_EMAILS.key());
            SluiceConfig consumer = SluiceConfig.of(consumerSettings);

            JobClient publisher = startPublisher(publish);
            JobClient reader = null;
            try {
                MirrorSetup.prepare(consumer);
                AnalyticsSetup.prepare(consumer);
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment();
                JobTestSupport.configure(env, consumer);
                JobTestSupport.restartForever(env, Duration.ofMillis(500));
                AnalyticsJob.build(env, consumer, KafkaChangeSource.create(consumer), null);
                reader = env.executeAsync("publish-consumer-it");

                EventOracle oracle = new EventOracle(pg, ch, AnalyticsTestSettings.PII_KEY);
                awaitExact("the snapshot", oracle, pg, mirror);
                workload.streamWithFaults(
                        Map.of(
                                3,
                                () -> {
                                    broker.kill();
                                    LOG.info("killed the Kafka broker after step 3");
                                },
                                5,
                                () -> {
                                    broker.start();
                                    LOG.info("restarted the Kafka broker after step 5");
                                },
                                8,
                                () -> {
                                    // Both jobs crash mid-transaction and restore their last
                                    // checkpoints: the publisher's open transactions are
                                    // aborted, and it publishes again from its checkpointed
                                    // slot position.
                                    JobTestSupport.replaceTaskManager(cluster);
                                    LOG.info("killed the TaskManager after step 8");
                                }));
                awaitExact("streaming through the broker restart", oracle, pg, mirror);
                assertThat(oracle.rawEmailsInClickHouse(List.of(chDb, anDb))).isEmpty();
                TopicScan scan = scan(broker);
                assertThat(scan.messages).as("messages on the topics").isGreaterThan(1_000);
                assertThat(scan.rawEmails).as("messages holding a raw e-mail address").isEmpty();
                assertThat(scan.notDebezium).as("messages that are not Debezium JSON").isEmpty();
            } finally {
                if (reader != null) {
                    JobTestSupport.cancel(reader, tmp);
                }
                JobTestSupport.cancel(publisher, tmp);
                // The slot outlives the job: dropped, so that the suite's later jobs find room.
                LifecycleSupport.dropSlot(pg, publish.get(PostgresSourceOptions.SLOT));
            }
        }
    }

    private static JobClient startPublisher(SluiceConfig config) throws Exception {
        // As PublishJob.main plans a run: the slot checks, and an anchor from the WAL alone.
        Resync.Anchor anchor = Startup.prepare(config, "publish", false, null, Map.of()).anchor();
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobTestSupport.configure(env, config);
        JobTestSupport.restartForever(env, Duration.ofMillis(500));
        PublishJob.build(
                env,
                config,
                anchor.lsn(),
                anchor.commitMs(),
                PiiHasher.fromConfig(
                        config, Map.of("SLUICE_PII_KEY", AnalyticsTestSettings.PII_KEY)),
                true);
        return env.executeAsync("publish-it");
    }

    private static void awaitExact(
            String phase, EventOracle oracle, Connection pg, ClickHouseConnection mirror)
            throws Exception {
        oracle.awaitExact(Duration.ofMinutes(4), () -> EventOracle.compareMirror(pg, mirror));
        LOG.info("{}: mirror and analytics equal SQL over Postgres", phase);
    }

    /** What every message on the topics holds, committed or not. */
    private record TopicScan(long messages, List<String> rawEmails, List<String> notDebezium) {}

    private static final Pattern RAW_EMAIL = Pattern.compile("@example\\.com");

    /** Reads every topic of the prefix from the beginning, aborted transactions included. */
    private static TopicScan scan(KafkaBroker broker) {
        Properties p = new Properties();
        p.put("bootstrap.servers", broker.bootstrapServers());
        p.put("group.id", "publish-it-scan");
        p.put("auto.offset.reset", "earliest");
        p.put("isolation.level", "read_uncommitted");
        p.put("enable.auto.commit", "false");
        ObjectMapper json = new ObjectMapper();
        long messages = 0;
        List<String> raw = new ArrayList<>();
        List<String> odd = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(Pattern.compile(Pattern.quote(PREFIX + ".") + ".*"));
            int empty = 0;
            while (empty < 5) {
                var batch = c.poll(Duration.ofSeconds(1));
                empty = batch.isEmpty() ? empty + 1 : 0;
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    messages++;
                    if (r.value() == null) {
                        continue; // a tombstone after a delete
                    }
                    String text = new String(r.value(), StandardCharsets.UTF_8);
                    if (RAW_EMAIL.matcher(text).find()) {
                        raw.add(r.topic() + "@" + r.offset());
                    }
                    try {
                        JsonNode payload = json.readTree(text).get("payload");
                        if (payload == null
                                || !payload.path("source").path("lsn").isNumber()
                                || !payload.path("op").isTextual()
                                || r.key() == null) {
                            odd.add(r.topic() + "@" + r.offset());
                        }
                    } catch (Exception e) {
                        odd.add(r.topic() + "@" + r.offset() + ": " + e.getMessage());
                    }
                }
            }
        }
        return new TopicScan(messages, raw, odd);
    }
}
