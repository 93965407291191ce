package io.sluice.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.mirror.ChangeRecordDeserializer;
import io.sluice.jobs.mirror.SnapshotCatchUp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.cdc.connectors.base.source.meta.split.FinishedSnapshotSplitInfo;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * What the publish mode writes for one record, read back as a consumer reads it (Connect JSON with
 * its schema, then the same deserializer as {@code source.kind: kafka}): the topic and key, a
 * snapshot row versioned at the run's anchor, a streamed change at its own position, the catch-up
 * header, and a tombstone after a delete. PII hashing and the whole path are PublishToKafkaIT's.
 */
class DebeziumJsonPublisherTest {
    private static final Schema ROW =
            SchemaBuilder.struct()
                    .field("event_id", Schema.STRING_SCHEMA)
                    .field("note", Schema.OPTIONAL_STRING_SCHEMA)
                    .optional()
                    .build();
    private static final Schema KEY =
            SchemaBuilder.struct().field("event_id", Schema.STRING_SCHEMA).build();
    private static final Schema SOURCE =
            SchemaBuilder.struct()
                    .field("schema", Schema.STRING_SCHEMA)
                    .field("table", Schema.STRING_SCHEMA)
                    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();
    private static final Schema ENVELOPE =
            SchemaBuilder.struct()
                    .field("op", Schema.STRING_SCHEMA)
                    .field("before", ROW)
                    .field("after", ROW)
                    .field("source", SOURCE)
                    .build();

    @Test
    void aSnapshotRowIsVersionedAtTheAnchorAndAStreamedChangeAtItsPosition() {
        DebeziumJsonPublisher publisher = new DebeziumJsonPublisher("app", 900L, 77L, null, null);

        List<PublishedChange> snapshot = publish(publisher, "r", 12_345L);
        assertThat(snapshot).hasSize(1);
        assertThat(snapshot.get(0).topic).isEqualTo("app.public.events");
        assertThat(new String(snapshot.get(0).key, StandardCharsets.UTF_8))
                .contains("\"payload\":{\"event_id\":\"e1\"}");
        ChangeRecord row = readBack(snapshot.get(0));
        assertThat(row.op()).isEqualTo(ChangeRecord.Op.SNAPSHOT);
        assertThat(row.lsn()).as("the anchor").isEqualTo(900L);
        assertThat(row.commitMs()).isEqualTo(77L);
        assertThat(row.values()).containsEntry("note", "hi");

        ChangeRecord update = readBack(publish(publisher, "u", 12_345L).get(0));
        assertThat(update.lsn()).as("its own position").isEqualTo(12_345L);
        assertThat(update.op()).isEqualTo(ChangeRecord.Op.UPDATE);
    }

    @Test
    void aDeleteIsFollowedByATombstoneAndTheCatchUpTravelsAsAHeader() {
        SnapshotCatchUp catchUp = new SnapshotCatchUp();
        io.debezium.relational.TableId events =
                new io.debezium.relational.TableId("db", "public", "events");
        catchUp.streamSplitStarted(
                new StreamSplit(
                        "stream-split",
                        PostgresOffset.of(Map.of("lsn", "1000")),
                        PostgresOffset.NO_STOPPING_OFFSET,
                        List.of(
                                new FinishedSnapshotSplitInfo(
                                        events,
                                        "events:0",
                                        null,
                                        null,
                                        PostgresOffset.of(Map.of("lsn", "5000")),
                                        new PostgresOffsetFactory())),
                        new java.util.HashMap<>(),
                        1));
        DebeziumJsonPublisher publisher = new DebeziumJsonPublisher("app", 900L, 1L, catchUp, null);

        List<PublishedChange> delete = publish(publisher, "d", 4_000L);
        assertThat(delete).hasSize(2);
        assertThat(delete.get(1).value).as("the tombstone").isNull();
        assertThat(delete.get(1).key).isEqualTo(delete.get(0).key);
        ProducerRecord<byte[], byte[]> message =
                PublishJob.serializer().serialize(delete.get(0), null, null);
        assertThat(message.headers().lastHeader(DebeziumJsonPublisher.CATCH_UP_HEADER))
                .as("in the catch-up")
                .isNotNull();
        assertThat(readBack(delete.get(0)).op()).isEqualTo(ChangeRecord.Op.DELETE);

        ProducerRecord<byte[], byte[]> later =
                PublishJob.serializer()
                        .serialize(publish(publisher, "d", 6_000L).get(0), null, null);
        assertThat(later.headers().lastHeader(DebeziumJsonPublisher.CATCH_UP_HEADER))
                .as("after the catch-up")
                .isNull();
    }

    private static List<PublishedChange> publish(
            DebeziumJsonPublisher publisher, String op, long lsn) {
        Struct image = new Struct(ROW).put("event_id", "e1").put("note", "hi");
        Struct value =
                new Struct(ENVELOPE)
                        .put("op", op)
                        .put(op.equals("d") ? "before" : "after", image)
                        .put(
                                "source",
                                new Struct(SOURCE)
                                        .put("schema", "public")
                                        .put("table", "events")
                                        .put("lsn", lsn)
                                        .put("ts_ms", 5L));
        List<PublishedChange> out = new ArrayList<>();
        publisher.deserialize(
                new SourceRecord(
                        null,
                        null,
                        "ignored",
                        null,
                        KEY,
                        new Struct(KEY).put("event_id", "e1"),
                        ENVELOPE,
                        value),
                collector(out));
        return out;
    }

    /** The message as a consumer reads it: JSON with its schema, then the change deserializer. */
    private static ChangeRecord readBack(PublishedChange message) {
        JsonConverter json = new JsonConverter();
        json.configure(Map.of("schemas.enable", "true"), false);
        SchemaAndValue data = json.toConnectData(message.topic, message.value);
        List<ChangeRecord> out = new ArrayList<>();
        ChangeRecordDeserializer.versionedByRecordedLsn(Map.of())
                .deserialize(
                        new SourceRecord(
                                null, null, message.topic, null, data.schema(), data.value()),
                        collector(out));
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private static <T> Collector<T> collector(List<T> out) {
        return new Collector<>() {
            @Override
            public void collect(T record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
