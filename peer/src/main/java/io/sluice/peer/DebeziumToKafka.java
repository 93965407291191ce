package io.sluice.peer;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A Debezium Postgres connector writing its change topics to Kafka, as Debezium Server or Kafka
 * Connect would: Debezium's embedded engine with its JSON format (Kafka Connect's {@code
 * JsonConverter}, schemas included, the default), each batch sent to {@code
 * <topic-prefix>.<schema>.<table>} and acknowledged by the brokers ({@code acks=all}, one request
 * in flight, so each partition stays in WAL order) before the batch's source offsets are committed:
 * at-least-once, as such pipelines are. Tombstones follow deletes (Debezium's default). It is what
 * Sluice's {@code source.kind: kafka} is tested against, and the connector settings it uses are the
 * ones docs/kafka.md asks of a user's connector.
 *
 * <p>Arguments are {@code key=value}: pg-host, pg-port, pg-db, pg-user, slot, publication, tables
 * (comma-separated schema.name), topic-prefix, bootstrap, offsets (a file). The Postgres password
 * comes from the environment ({@code PEER_PG_PASSWORD}). It runs until it is stopped (SIGTERM) and
 * then commits its offsets; a send that fails after the producer's retries stops it.
 */
public final class DebeziumToKafka {
    private DebeziumToKafka() {}

    /** The Debezium settings Sluice needs of a connector (docs/kafka.md). */
    static Properties sluiceSettings() {
        Properties p = new Properties();
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("datatype.propagate.source.type", ".+\\.numeric");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "json");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("converter.schemas.enable", "true");
        return p;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a =
                DebeziumPeer.Args.parse(
                        args,
                        List.of(
                                "pg-host",
                                "pg-port",
                                "pg-db",
                                "pg-user",
                                "slot",
                                "publication",
                                "tables",
                                "topic-prefix",
                                "bootstrap",
                                "offsets"));
        Properties producerConfig = new Properties();
        producerConfig.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        producerConfig.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        // Not idempotent: with topics the broker creates on first use, the idempotent producer of
        // Kafka 4.3 was seen retrying OUT_OF_ORDER_SEQUENCE_NUMBER forever. One request in flight
        // keeps each partition in order; a retry may write a message twice, which Sluice's
        // versions absorb (and which an at-least-once connector does anyway after a restart).
        producerConfig.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        producerConfig.setProperty(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        producerConfig.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        producerConfig.setProperty(ProducerConfig.LINGER_MS_CONFIG, "20");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(
                        producerConfig, new ByteArraySerializer(), new ByteArraySerializer());

        DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> consumer =
                (records, committer) -> {
                    List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
                    for (ChangeEvent<String, String> event : records) {
                        sent.add(
                                producer.send(
                                        new ProducerRecord<>(
                                                event.destination(),
                                                bytes(event.key()),
                                                bytes(event.value()))));
                    }
                    producer.flush();
                    for (Future<RecordMetadata> f : sent) {
                        try {
                            f.get(); // a failed send stops the engine before its offsets move
                        } catch (java.util.concurrent.ExecutionException e) {
                            throw new IllegalStateException("a send to Kafka failed", e.getCause());
                        }
                    }
                    for (ChangeEvent<String, String> event : records) {
                        committer.markProcessed(event);
                    }
                    committer.markBatchFinished();
                };

        Properties p = sluiceSettings();
        p.setProperty("name", "sluice-debezium-to-kafka");
        DebeziumPeer.postgres(p, a, a.get("tables"), a.get("topic-prefix"));
        p.setProperty("offset.flush.interval.ms", "1000");

        DebeziumEngine<ChangeEvent<String, String>> engine =
                DebeziumEngine.create(Json.class).using(p).notifying(consumer).build();
        DebeziumPeer.runUntilStopped(engine, producer, "debezium-to-kafka");
        // The engine ends on its own only when it failed: exit non-zero for whoever started it.
        System.exit(2);
    }

    private static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
