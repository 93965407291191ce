package io.sluice.jobs.kafka;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecordTypeInfoFactory;
import io.sluice.common.config.TableId;
import io.sluice.jobs.mirror.ChangeRecordDeserializer;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Reads the Debezium-JSON messages of a change topic: the {@code schema} and {@code payload} that
 * Kafka Connect's {@code JsonConverter} writes (a Debezium connector's default), turned back into
 * the Connect record the connector had, and from there into a {@link ChangeRecord} by the same
 * {@link ChangeRecordDeserializer} as the replication-slot path, so both paths type every value
 * alike. Each change is versioned by the WAL position in its {@code source} block, snapshot rows
 * included, so a message read twice (a restore, a producer retry) writes the same row version.
 *
 * <p>A change with the header {@value DebeziumJsonPublisher#CATCH_UP_HEADER} (written by Sluice's
 * own {@code --publish-to-kafka}) lies in the snapshot's catch-up, and is flagged as such, as on
 * the slot path.
 *
 * <p>A tombstone (the empty message a connector writes after a delete, for log compaction) carries
 * no change and is counted ({@code sluiceKafkaTombstones}). A message without its schema cannot be
 * typed (a numeric, a date and a text look alike), so it stops the job with the setting to change;
 * so does a message that is not JSON at all.
 */
public final class DebeziumJsonDeserializer
        implements KafkaRecordDeserializationSchema<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final HashMap<TableId, Set<String>> unreplicated;

    private transient JsonConverter converter;
    private transient ChangeRecordDeserializer changes;
    private transient Counter tombstones;

    public DebeziumJsonDeserializer(Map<TableId, Set<String>> unreplicated) {
        this.unreplicated = new HashMap<>(unreplicated);
    }

    @Override
    public void open(
            org.apache.flink.api.common.serialization.DeserializationSchema.InitializationContext
                    context) {
        init();
        tombstones = context.getMetricGroup().counter("sluiceKafkaTombstones");
    }

    private void init() {
        converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        changes = ChangeRecordDeserializer.versionedByRecordedLsn(unreplicated);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> message, Collector<ChangeRecord> out) {
        if (message.value() == null) {
            tombstones.inc();
            return;
        }
        SchemaAndValue data;
        try {
            data = converter.toConnectData(message.topic(), message.value());
        } catch (DataException e) {
            throw new IllegalStateException(
                    where(message)
                            + " is not Debezium JSON with its schema ("
                            + e.getMessage()
                            + "). Sluice reads what Kafka Connect's JsonConverter writes with"
                            + " value.converter.schemas.enable=true (docs/kafka.md)",
                    e);
        }
        if (data.schema() == null || !(data.value() instanceof Struct)) {
            throw new IllegalStateException(
                    where(message)
                            + " has no schema: without it a numeric, a date and a text look"
                            + " alike. Set value.converter.schemas.enable=true on the Debezium"
                            + " connector (docs/kafka.md)");
        }
        SourceRecord record =
                new SourceRecord(null, null, message.topic(), null, data.schema(), data.value());
        if (message.headers().lastHeader(DebeziumJsonPublisher.CATCH_UP_HEADER) == null) {
            changes.deserialize(record, out);
            return;
        }
        // Published by Sluice's --publish-to-kafka: a change made while the snapshot was read.
        changes.deserialize(
                record,
                new Collector<>() {
                    @Override
                    public void collect(ChangeRecord c) {
                        out.collect(
                                new ChangeRecord(
                                        c.table(),
                                        c.op(),
                                        c.values(),
                                        c.unchangedColumns(),
                                        c.lsn(),
                                        c.commitMs(),
                                        true));
                    }

                    @Override
                    public void close() {}
                });
    }

    private static String where(ConsumerRecord<byte[], byte[]> message) {
        return "the message at offset "
                + message.offset()
                + " of "
                + message.topic()
                + "-"
                + message.partition();
    }

    @Override
    public TypeInformation<ChangeRecord> getProducedType() {
        return ChangeRecordTypeInfoFactory.ChangeRecordTypeInfo.INSTANCE;
    }
}
