package io.sluice.peer;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

class TsvRowsTest {
    private static final Schema KEY =
            SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build();
    private static final Schema ROW =
            SchemaBuilder.struct()
                    .field("id", Schema.INT64_SCHEMA)
                    .field("note", Schema.OPTIONAL_STRING_SCHEMA)
                    .field("ok", Schema.OPTIONAL_BOOLEAN_SCHEMA)
                    .optional()
                    .build();
    private static final Schema SOURCE =
            SchemaBuilder.struct()
                    .field("table", Schema.STRING_SCHEMA)
                    .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                    .build();
    private static final Schema ENVELOPE =
            SchemaBuilder.struct()
                    .field("before", ROW)
                    .field("after", ROW)
                    .field("source", SOURCE)
                    .field("op", Schema.STRING_SCHEMA)
                    .build();

    private static Struct envelope(String op, Struct before, Struct after, long lsn) {
        return new Struct(ENVELOPE)
                .put("before", before)
                .put("after", after)
                .put("source", new Struct(SOURCE).put("table", "events").put("lsn", lsn))
                .put("op", op);
    }

    @Test
    void rowsAreEscapedTabSeparatedWithTheirLsnAndDeleteFlag() {
        Struct row = new Struct(ROW).put("id", 7L).put("note", "a\tb\nc\\d").put("ok", true);
        StringBuilder out = new StringBuilder();
        TsvRows.append(out, envelope("c", null, row, 42));
        TsvRows.append(out, envelope("d", new Struct(ROW).put("id", 7L), null, 43));
        assertThat(out.toString()).isEqualTo("7\ta\\tb\\nc\\\\d\t1\t42\t0\n7\t\\N\t\\N\t43\t1\n");
    }

    @Test
    void onlyRowChangesAreRows() {
        Struct row = new Struct(ROW).put("id", 1L);
        assertThat(TsvRows.isRowChange(envelope("r", null, row, 1))).isTrue();
        assertThat(TsvRows.isRowChange(envelope("d", row, null, 1))).isTrue();
        assertThat(TsvRows.isRowChange(envelope("t", null, null, 1))).isFalse();
        // Logical decoding messages (pg_logical_emit_message, which Sluice's jobs write) have no
        // row: op "m" and a message struct.
        Schema message =
                SchemaBuilder.struct()
                        .field("op", Schema.STRING_SCHEMA)
                        .field("source", SOURCE)
                        .field("message", Schema.OPTIONAL_STRING_SCHEMA)
                        .build();
        assertThat(TsvRows.isRowChange(new Struct(message).put("op", "m"))).isFalse();
    }

    @Test
    void theTableIsKeyedByTheRecordKeyAndQuoted() {
        Struct row = new Struct(ROW).put("id", 1L);
        assertThat(TsvRows.createTable("db`x", "events", envelope("r", null, row, 1), KEY))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `db\\`x`.`events` (`id` Int64,"
                                + " `note` Nullable(String), `ok` Nullable(UInt8), `_lsn` UInt64,"
                                + " `_deleted` UInt8) ENGINE = ReplacingMergeTree(_lsn) ORDER BY"
                                + " (`id`)");
    }
}
