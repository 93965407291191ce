package io.sluice.jobs.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/**
 * Messages written by Kafka Connect's own {@code JsonConverter} (what a Debezium connector's
 * default converter writes) from Debezium-shaped envelopes, read back by the job's deserializer.
 */
class DebeziumJsonDeserializerTest {

    private static final Schema ROW =
            SchemaBuilder.struct()
                    .name("pg.public.orders.Value")
                    .field("order_id", Schema.INT64_SCHEMA)
                    .field("amount", Decimal.builder(2).optional().build())
                    .field("status", Schema.OPTIONAL_STRING_SCHEMA)
                    .optional()
                    .build();

    private static final Schema SOURCE =
            SchemaBuilder.struct()
                    .name("io.debezium.connector.postgresql.Source")
                    .field("schema", Schema.STRING_SCHEMA)
                    .field("table", Schema.STRING_SCHEMA)
                    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                    .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();

    private static final Schema ENVELOPE =
            SchemaBuilder.struct()
                    .name("pg.public.orders.Envelope")
                    .field("before", ROW)
                    .field("after", ROW)
                    .field("source", SOURCE)
                    .field("op", Schema.STRING_SCHEMA)
                    .build();

    private static byte[] message(String op, Struct before, Struct after, long lsn) {
        Struct envelope =
                new Struct(ENVELOPE)
                        .put("before", before)
                        .put("after", after)
                        .put(
                                "source",
                                new Struct(SOURCE)
                                        .put("schema", "public")
                                        .put("table", "orders")
                                        .put("lsn", lsn)
                                        .put("ts_ms", 1_796_000_000_000L))
                        .put("op", op);
        JsonConverter converter = new JsonConverter();
        converter.configure(Map.of("schemas.enable", "true"), false);
        return converter.fromConnectData("pg.public.orders", ENVELOPE, envelope);
    }

    private static Struct row(long id, String amount, String status) {
        return new Struct(ROW)
                .put("order_id", id)
                .put("amount", amount == null ? null : new BigDecimal(amount))
                .put("status", status);
    }

    private static List<ChangeRecord> read(byte[] value) {
        List<ChangeRecord> out = new ArrayList<>();
        DebeziumJsonDeserializer deserializer = new DebeziumJsonDeserializer(Map.of());
        deserializer.open(
                new org.apache.flink.api.common.serialization.DeserializationSchema
                        .InitializationContext() {
                    @Override
                    public org.apache.flink.metrics.MetricGroup getMetricGroup() {
                        return new org.apache.flink.metrics.groups.UnregisteredMetricsGroup();
                    }

                    @Override
                    public org.apache.flink.util.UserCodeClassLoader getUserCodeClassLoader() {
                        return null;
                    }
                });
        deserializer.deserialize(
                new ConsumerRecord<>("pg.public.orders", 1, 42L, null, value),
                new Collector<>() {
                    @Override
                    public void collect(ChangeRecord record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        return out;
    }

    @Test
    void aChangeIsTypedByItsSchemaAndVersionedByItsLsn() {
        List<ChangeRecord> out = read(message("u", null, row(7, "12.50", "paid"), 900L));
        assertThat(out).hasSize(1);
        ChangeRecord r = out.get(0);
        assertThat(r.op()).isEqualTo(ChangeRecord.Op.UPDATE);
        assertThat(r.table().qualified()).isEqualTo("public.orders");
        assertThat(r.lsn()).isEqualTo(900L);
        assertThat(r.commitMs()).isEqualTo(1_796_000_000_000L);
        assertThat(r.values())
                .containsEntry("order_id", 7L)
                .containsEntry("amount", new BigDecimal("12.50"))
                .containsEntry("status", "paid");
    }

    @Test
    void aSnapshotRowIsVersionedByTheLsnOfItsSnapshot() {
        // Not by a run's anchor, as on the slot path: the connector took the snapshot.
        List<ChangeRecord> out = read(message("r", null, row(1, "1.00", "new"), 500L));
        assertThat(out)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.op()).isEqualTo(ChangeRecord.Op.SNAPSHOT);
                            assertThat(r.lsn()).isEqualTo(500L);
                        });
    }

    @Test
    void aDeleteCarriesTheRowBeforeIt() {
        List<ChangeRecord> out = read(message("d", row(7, null, null), null, 901L));
        assertThat(out)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.isDelete()).isTrue();
                            assertThat(r.values()).containsEntry("order_id", 7L);
                        });
    }

    @Test
    void debeziumsDefaultPlaceholderMeansTheValueIsUnchanged() {
        List<ChangeRecord> out =
                read(message("u", null, row(7, "3.00", "__debezium_unavailable_value"), 902L));
        assertThat(out.get(0).unchangedColumns()).containsExactly("status");
        assertThat(out.get(0).values()).doesNotContainKey("status");
    }

    @Test
    void aTombstoneCarriesNoChange() {
        assertThat(read(null)).isEmpty();
    }

    @Test
    void aMessageWithoutItsSchemaStopsTheJobWithTheSettingToChange() {
        byte[] schemaless =
                "{\"before\":null,\"after\":{\"order_id\":7},\"op\":\"c\"}"
                        .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> read(schemaless))
                .hasMessageContaining("offset 42 of pg.public.orders-1")
                .hasMessageContaining("value.converter.schemas.enable=true");
    }

    @Test
    void aMessageThatIsNotJsonStopsTheJobSayingWhere() {
        assertThatThrownBy(() -> read("not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("offset 42 of pg.public.orders-1")
                .hasMessageContaining("is not Debezium JSON");
    }
}
