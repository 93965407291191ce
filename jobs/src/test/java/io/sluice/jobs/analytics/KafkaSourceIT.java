package io.sluice.jobs.analytics;

import static io.sluice.jobs.SqlSets.pgSet;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.kafka.KafkaChangeSource;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.ops.Health;
import io.sluice.testkit.DebeziumConnector;
import io.sluice.testkit.KafkaBroker;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code source.kind: kafka} end to end on real processes: a Kafka 4 broker (KRaft), a Debezium 3.6
 * Postgres connector writing Debezium-JSON topics to it (as Debezium Server or Kafka Connect
 * would), and the analytics job (mirror and analytics) reading those topics. Along the way the
 * broker is killed and restarted while changes stream, and the connector is killed and restarted
 * (at-least-once: it sends its last batch again). After the snapshot and at the end every mirror
 * table (every column but the hashed e-mail) and every analytics table equals SQL over Postgres.
 */
class KafkaSourceIT {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSourceIT.class);

    private static final List<String> TABLES =
            List.of(
                    "public.users",
                    "public.events",
                    "public.orders",
                    "public.refunds",
                    "public.subscriptions");

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void debeziumTopicsThroughABrokerRestartEndExact(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("kafka");
        String chDb = servers.clickhouse().newDatabase("kafka_mirror");
        String anDb = servers.clickhouse().newDatabase("kafka");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb);
                ClickHouseConnection mirror = JobTestSupport.clickHouse(servers, chDb);
                KafkaBroker broker = KafkaBroker.start(tmp.resolve("kafka"))) {
            EventWorkload workload =
                    new EventWorkload(pg, 23, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(1_000);
            try (DebeziumConnector connector =
                    DebeziumConnector.start(
                            tmp.resolve("debezium"),
                            servers.postgres(),
                            pgDb,
                            "dbz_" + pgDb,
                            TABLES,
                            "pg",
                            broker)) {
                Map<String, Object> settings =
                        AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
                settings.put(SourceOptions.KIND.key(), "kafka");
                settings.put(
                        SourceOptions.KAFKA_BOOTSTRAP_SERVERS.key(), broker.bootstrapServers());
                settings.put(SourceOptions.KAFKA_TOPIC_PREFIX.key(), "pg");
                SluiceConfig config = SluiceConfig.of(settings);
                MirrorSetup.prepare(config);
                AnalyticsSetup.prepare(config);
                KafkaChangeSource.checkReachable(config);
                StreamExecutionEnvironment env =
                        StreamExecutionEnvironment.getExecutionEnvironment();
                JobTestSupport.configure(env, config);
                JobTestSupport.restartForever(env, Duration.ofMillis(500));
                AnalyticsJob.build(
                        env,
                        config,
                        KafkaChangeSource.create(config),
                        PiiHasher.fromConfig(
                                config, Map.of("SLUICE_PII_KEY", AnalyticsTestSettings.PII_KEY)));
                JobClient job = env.executeAsync("kafka-it");
                try {
                    EventOracle oracle = new EventOracle(pg, ch, AnalyticsTestSettings.PII_KEY);
                    awaitExact("the snapshot", connector, oracle, pg, mirror);

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
                                        connector.kill();
                                        connector.start();
                                        LOG.info("killed and restarted the connector after step 8");
                                    }));
                    awaitExact("streaming through the restarts", connector, oracle, pg, mirror);
                    assertThat(oracle.rawEmailsInClickHouse(List.of(chDb, anDb))).isEmpty();
                    // ./sluice health from Kafka: the group's lag instead of a slot, and the rows.
                    Health.Report health = awaitGroupCaughtUp(config);
                    assertThat(health.slot()).isNull();
                    assertThat(health.kafka().partitions())
                            .as("5 topics, 2 partitions each")
                            .isEqualTo(10);
                    assertThat(health.healthy(0, 0)).isTrue();
                    assertThat(health.tables())
                            .filteredOn(t -> t.id().table().equals("events"))
                            .singleElement()
                            .satisfies(
                                    t ->
                                            assertThat(Long.toString(t.rows()))
                                                    .isEqualTo(
                                                            pgSet(pg, "SELECT count(*) FROM events")
                                                                    .first()));
                } finally {
                    JobTestSupport.cancel(job, tmp);
                }
            }
        }
    }

    /** Polls Health until the consumer group has committed offsets at the end of every topic. */
    private static Health.Report awaitGroupCaughtUp(SluiceConfig config) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Health.Report report = Health.report(config);
        while (!(report.kafka().committed() && report.kafka().messagesBehind() == 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(1_000); // offsets are committed when a checkpoint completes
            report = Health.report(config);
        }
        return report;
    }

    /** Every analytics table and every mirror table equal to SQL over Postgres, within 4 min. */
    private static void awaitExact(
            String phase,
            DebeziumConnector connector,
            EventOracle oracle,
            Connection pg,
            ClickHouseConnection mirror)
            throws Exception {
        oracle.awaitExact(
                Duration.ofMinutes(4),
                () -> {
                    connector.checkAlive();
                    return EventOracle.compareMirror(pg, mirror);
                });
        LOG.info("{}: mirror and analytics equal SQL over Postgres", phase);
    }
}
