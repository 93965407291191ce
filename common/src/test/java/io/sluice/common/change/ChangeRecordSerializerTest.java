package io.sluice.common.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.TableId;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ChangeRecordSerializerTest {
    @Test
    void flinkUsesTheDedicatedSerializerNotKryo() {
        TypeInformation<ChangeRecord> info = TypeInformation.of(ChangeRecord.class);
        assertThat(info.createSerializer(new SerializerConfigImpl()))
                .isSameAs(ChangeRecordSerializer.INSTANCE);
    }

    @Test
    void everyValueOfTheModelSurvivesARoundTrip() throws Exception {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("null", null);
        values.put("bool", true);
        values.put("short", (short) 7);
        values.put("int", -5);
        values.put("long", Long.MAX_VALUE);
        values.put("float", 1.5f);
        values.put("double", -0.25);
        values.put("decimal", new BigDecimal("-12345678901234567890.000123"));
        values.put("text", "héllo\t");
        values.put("bytes", new byte[] {1, 2, 3});
        values.put("date", LocalDate.of(1969, 12, 31));
        values.put("time", LocalTime.of(23, 59, 59, 999_999_000));
        values.put("datetime", LocalDateTime.of(2024, 2, 29, 1, 2, 3, 456_000));
        values.put("instant", Instant.parse("1960-01-01T00:00:00.000001Z"));
        values.put("list", Arrays.asList("a", null, 3));
        ChangeRecord record =
                new ChangeRecord(
                        new TableId("s", "t"),
                        ChangeRecord.Op.UPDATE,
                        values,
                        Set.of("body"),
                        123456789L,
                        1_764_000_000_123L);

        TypeSerializer<ChangeRecord> serializer = ChangeRecordSerializer.INSTANCE;
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(record, out);
        ChangeRecord back =
                serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(back).isEqualTo(record);
        assertThat((byte[]) back.values().get("bytes")).containsExactly(1, 2, 3);
        assertThat(back.values().keySet()).containsExactlyElementsOf(values.keySet());
    }

    @Test
    void theSnapshotInACheckpointRestoresTheSameSerializerAsIs() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(
                out, ChangeRecordSerializer.INSTANCE.snapshotConfiguration());
        TypeSerializerSnapshot<ChangeRecord> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(out.getCopyOfBuffer()),
                        getClass().getClassLoader());

        assertThat(restored).isInstanceOf(ChangeRecordSerializer.Snapshot.class);
        assertThat(restored.restoreSerializer()).isSameAs(ChangeRecordSerializer.INSTANCE);
        assertThat(
                        ChangeRecordSerializer.INSTANCE
                                .snapshotConfiguration()
                                .resolveSchemaCompatibility(restored)
                                .isCompatibleAsIs())
                .isTrue();
    }

    @Test
    void aSnapshotOfAnUnknownVersionIsRefused() {
        ChangeRecordSerializer.Snapshot snapshot = new ChangeRecordSerializer.Snapshot();
        int unknown = snapshot.getCurrentVersion() + 1;
        assertThatThrownBy(
                        () ->
                                snapshot.readSnapshot(
                                        unknown,
                                        new DataInputDeserializer(new byte[0]),
                                        getClass().getClassLoader()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(Integer.toString(unknown));
    }

    @Test
    void recordsWrittenBeforeCommitTimesReadWithCommitTimeZero() throws Exception {
        // The earlier format: schema, table, op ordinal, LSN, values, unchanged columns.
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF("public");
        out.writeUTF("orders");
        out.writeByte(ChangeRecord.Op.DELETE.ordinal());
        out.writeLong(42L);
        out.writeInt(1);
        out.writeUTF("id");
        ValueCodec.write(7L, out);
        out.writeInt(0);
        ChangeRecord back =
                ChangeRecordSerializer.INSTANCE.deserialize(
                        new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back)
                .isEqualTo(
                        new ChangeRecord(
                                new TableId("public", "orders"),
                                ChangeRecord.Op.DELETE,
                                Map.of("id", 7L),
                                Set.of(),
                                42L));
        assertThat(back.commitMs()).isZero();
    }

    @Test
    void theSnapshotCatchUpFlagSurvivesARoundTripAndKeepsTheOperation() throws Exception {
        for (ChangeRecord.Op op : ChangeRecord.Op.values()) {
            for (boolean catchUp : new boolean[] {true, false}) {
                ChangeRecord record =
                        new ChangeRecord(
                                new TableId("public", "events"),
                                op,
                                Map.of("event_id", "e1"),
                                Set.of(),
                                42L,
                                1_700_000_000_000L,
                                catchUp);
                DataOutputSerializer out = new DataOutputSerializer(64);
                ChangeRecordSerializer.INSTANCE.serialize(record, out);
                ChangeRecord back =
                        ChangeRecordSerializer.INSTANCE.deserialize(
                                new DataInputDeserializer(out.getCopyOfBuffer()));
                assertThat(back).isEqualTo(record);
                assertThat(back.op()).isEqualTo(op);
                assertThat(back.snapshotCatchUp()).isEqualTo(catchUp);
                assertThat(back.commitMs()).isEqualTo(1_700_000_000_000L);
            }
        }
    }
}
