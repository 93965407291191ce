package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.connection.pgoutput.PgOutputMessageDecoder;
import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * Non-ASCII column names garbled by the streaming decoder come back as the catalog spells them. The
 * garbling is the decoder's own ({@code PgOutputMessageDecoder.readString}, called on the name's
 * bytes as a relation message carries them: UTF-8, NUL-terminated), so the test follows the
 * Debezium version the job runs with.
 */
class PgOutputNamesTest {
    static final List<String> NAMES =
            List.of("prénom", "straße", "日本", "列の名前", "🙂 mood", "naïve café", "Ωmega");

    /** A name as Debezium's pgoutput decoder reads it from a relation message. */
    static String garbled(String name) throws Exception {
        Method readString =
                PgOutputMessageDecoder.class.getDeclaredMethod("readString", ByteBuffer.class);
        readString.setAccessible(true);
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer message = ByteBuffer.allocate(utf8.length + 1).put(utf8).put((byte) 0);
        message.flip();
        return (String) readString.invoke(null, message);
    }

    @Test
    void theDecoderGarblesNonAsciiNames() throws Exception {
        // What the repair is for: é (C3 A9) arrives as U+FFC3 U+FFA9.
        assertThat(garbled("prénom")).isEqualTo("pr\uFFC3\uFFA9nom");
        for (String name : NAMES) {
            assertThat(garbled(name)).isNotEqualTo(name);
        }
    }

    @Test
    void garbledNamesAreRepairedInEveryScript() throws Exception {
        for (String name : NAMES) {
            assertThat(PgOutputNames.repair(garbled(name))).as(name).isEqualTo(name);
        }
    }

    @Test
    void namesTheDecoderLeavesAloneStayAsTheyAre() throws Exception {
        for (String name :
                List.of("order note", "select", "a`b\\c", "it's \"x\"", "", "_lsn", "x\ty")) {
            assertThat(garbled(name)).isEqualTo(name);
            assertThat(PgOutputNames.repair(name)).isSameAs(name);
        }
        // Names read over JDBC (the snapshot) are right already.
        for (String name : NAMES) {
            assertThat(PgOutputNames.repair(name)).isSameAs(name);
        }
        // Halfwidth forms whose bytes are not UTF-8 are not a garbled name.
        assertThat(PgOutputNames.repair("ｶﾅ")).isEqualTo("ｶﾅ");
        assertThat(PgOutputNames.repair("\uFFA9x")).isEqualTo("\uFFA9x");
    }

    @Test
    void changeRecordsCarryTheCatalogsNames() throws Exception {
        TableId people = new TableId("public", "people");
        Schema row =
                SchemaBuilder.struct()
                        .field("id", Schema.INT64_SCHEMA)
                        .field(garbled("prénom"), Schema.OPTIONAL_STRING_SCHEMA)
                        .field(garbled("日本"), Schema.OPTIONAL_STRING_SCHEMA)
                        .field(garbled("straße"), Schema.OPTIONAL_STRING_SCHEMA)
                        .build();
        Schema source =
                SchemaBuilder.struct()
                        .field("schema", Schema.STRING_SCHEMA)
                        .field("table", Schema.STRING_SCHEMA)
                        .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                        .build();
        Schema envelope =
                SchemaBuilder.struct()
                        .field("op", Schema.STRING_SCHEMA)
                        .field("source", source)
                        .field("before", SchemaBuilder.struct().optional().build())
                        .field("after", row)
                        .build();
        Struct after =
                new Struct(row)
                        .put("id", 1L)
                        .put(garbled("prénom"), "Zoë")
                        .put(garbled("日本"), "東京")
                        .put(garbled("straße"), "hidden");
        Struct value =
                new Struct(envelope)
                        .put("op", "c")
                        .put(
                                "source",
                                new Struct(source)
                                        .put("schema", "public")
                                        .put("table", "people")
                                        .put("lsn", 100L)
                                        .put("ts_ms", 5L))
                        .put("after", after);
        // The catalog names the column replication does not deliver properly.
        ChangeRecordDeserializer deserializer =
                new ChangeRecordDeserializer(1, 1, Map.of(people, Set.of("straße")));
        List<ChangeRecord> out = new ArrayList<>();

        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "topic", envelope, value), collector(out));

        assertThat(out).hasSize(1);
        assertThat(out.get(0).values())
                .containsExactly(
                        Map.entry("id", 1L), Map.entry("prénom", "Zoë"), Map.entry("日本", "東京"));
    }

    private static Collector<ChangeRecord> collector(List<ChangeRecord> out) {
        return new Collector<>() {
            @Override
            public void collect(ChangeRecord record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
