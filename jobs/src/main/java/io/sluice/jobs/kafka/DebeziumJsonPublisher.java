package io.sluice.jobs.kafka;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import io.sluice.jobs.mirror.ChangeRecordDeserializer;
import io.sluice.jobs.mirror.PgOutputNames;
import io.sluice.jobs.mirror.SnapshotCatchUp;
import io.sluice.jobs.pii.PiiMasker;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The publish mode's view of each change Flink CDC reads from the slot: the Debezium record as a
 * Debezium Postgres connector would write it to Kafka, Kafka Connect JSON with its schema ({@code
 * schemas.enable=true}) under the topic {@code PREFIX.schema.table}, keyed by the primary key. So
 * any Debezium-JSON consumer reads it, and Sluice's own {@code source.kind: kafka} reads it exactly
 * as it reads a connector's topics ({@link DebeziumJsonDeserializer}).
 *
 * <p>What differs from a connector's messages, and why:
 *
 * <ul>
 *   <li>A snapshot row's {@code source.lsn} and {@code source.ts_ms} are the run's anchor, the WAL
 *       position taken before the snapshot was read (a connector writes the position its snapshot
 *       was taken at). Every change streamed after it has a higher position, so a consumer that
 *       versions rows by {@code source.lsn} applies them in the right order.
 *   <li>PII is hashed before the message is written ({@code pii.*}, as in every Sluice job): the
 *       topics never hold the raw values.
 *   <li>A streamed change that lies in the snapshot's catch-up (made while the snapshot was read,
 *       see {@link SnapshotCatchUp}) carries the header {@value #CATCH_UP_HEADER}. Its delete may
 *       be of a row that no snapshot row holds; a Sluice consumer does not count that as late.
 * </ul>
 *
 * A delete is followed by a tombstone (the key with no value), as a connector writes one for log
 * compaction. Heartbeats and Sluice's own WAL messages are not published.
 */
public final class DebeziumJsonPublisher implements DebeziumDeserializationSchema<PublishedChange> {
    private static final long serialVersionUID = 1L;

    /** The header of a change in the snapshot's catch-up (value {@code 1}). */
    public static final String CATCH_UP_HEADER = "sluice.snapshot-catch-up";

    private final String topicPrefix;
    private final long snapshotVersion;
    private final long snapshotCommitMs;
    private final SnapshotCatchUp catchUp;
    private final PiiMasker masker; // null: no PII configured

    private transient JsonConverter values;
    private transient JsonConverter keys;

    /** Field name → column name (streamed names arrive garbled), repaired once per name. */
    private transient Map<String, String> columns;

    public DebeziumJsonPublisher(
            String topicPrefix,
            long snapshotVersion,
            long snapshotCommitMs,
            SnapshotCatchUp catchUp,
            PiiMasker masker) {
        this.topicPrefix = Objects.requireNonNull(topicPrefix);
        this.snapshotVersion = snapshotVersion;
        this.snapshotCommitMs = snapshotCommitMs;
        this.catchUp = catchUp;
        this.masker = masker;
    }

    @Override
    public void deserialize(SourceRecord record, Collector<PublishedChange> out) {
        Struct value = ChangeRecordDeserializer.rowChange(record);
        if (value == null) {
            return;
        }
        String op = value.getString("op");
        if (values == null) {
            values = new JsonConverter();
            values.configure(Map.of("schemas.enable", "true"), false);
            keys = new JsonConverter();
            keys.configure(Map.of("schemas.enable", "true"), true);
            columns = new HashMap<>();
        }
        Struct source = value.getStruct("source");
        TableId table = new TableId(source.getString("schema"), source.getString("table"));
        boolean inCatchUp = false;
        if ("r".equals(op)) {
            source.put("lsn", snapshotVersion);
            source.put("ts_ms", snapshotCommitMs);
        } else if (catchUp != null) {
            Long lsn = source.getInt64("lsn");
            inCatchUp = lsn != null && catchUp.covers(table, lsn);
        }
        if (masker != null) {
            mask(value, "before", table, op);
            mask(value, "after", table, op);
        }
        String topic = KafkaChangeSource.topic(topicPrefix, table);
        byte[] key =
                record.keySchema() == null
                        ? null
                        : keys.fromConnectData(topic, record.keySchema(), record.key());
        out.collect(
                new PublishedChange(
                        topic,
                        key,
                        values.fromConnectData(topic, record.valueSchema(), value),
                        inCatchUp));
        if ("d".equals(op)) {
            out.collect(new PublishedChange(topic, key, null, false));
        }
    }

    /**
     * Hashes the PII of one row image ({@code before} or {@code after}) in place: the masker sees
     * it as a change, and every value it replaced (text, or a list of texts) is written back to its
     * field.
     */
    private void mask(Struct value, String image, TableId table, String op) {
        if (value.schema().field(image) == null || value.getStruct(image) == null) {
            return;
        }
        Struct row = value.getStruct(image);
        Map<String, Object> raw = new LinkedHashMap<>();
        Map<String, Field> fields = new HashMap<>();
        for (Field f : row.schema().fields()) {
            String column = columns.computeIfAbsent(f.name(), PgOutputNames::repair);
            raw.put(column, row.getWithoutDefault(f.name()));
            fields.put(column, f);
        }
        ChangeRecord change =
                new ChangeRecord(
                        table,
                        "d".equals(op) ? ChangeRecord.Op.DELETE : ChangeRecord.Op.UPDATE,
                        raw,
                        Set.of(),
                        0L);
        ChangeRecord masked = masker.mask(change);
        if (masked == change) {
            return;
        }
        for (Map.Entry<String, Object> e : masked.values().entrySet()) {
            Object before = raw.get(e.getKey());
            if (!Objects.equals(before, e.getValue())) {
                row.put(fields.get(e.getKey()), e.getValue());
            }
        }
    }

    @Override
    public TypeInformation<PublishedChange> getProducedType() {
        return TypeInformation.of(PublishedChange.class);
    }
}
