package io.sluice.peer;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Struct;

/**
 * Debezium change envelopes ({@code before}, {@code after}, {@code source}, {@code op}) as
 * ClickHouse TabSeparated rows: the row's columns, then {@code _lsn} and {@code _deleted}.
 */
final class TsvRows {
    private TsvRows() {}

    /**
     * Whether a record is a row change (create, read by the snapshot, update, delete), not a
     * logical decoding message ({@code op = m}, written by {@code pg_logical_emit_message}), a
     * heartbeat or a transaction marker.
     */
    static boolean isRowChange(Struct value) {
        if (value.schema().field("op") == null || value.schema().field("after") == null) {
            return false;
        }
        String op = value.getString("op");
        return "c".equals(op) || "r".equals(op) || "u".equals(op) || "d".equals(op);
    }

    static String tableName(Struct envelope) {
        return envelope.getStruct("source").getString("table");
    }

    /** The table for an envelope's row type, keyed by the record key's fields. */
    static String createTable(String database, String table, Struct envelope, Schema keySchema) {
        Schema row = rowSchema(envelope);
        List<String> columns = new ArrayList<>();
        for (Field f : row.fields()) {
            String type = type(f.schema());
            columns.add(
                    quote(f.name())
                            + " "
                            + (isKey(f, keySchema) ? type : "Nullable(" + type + ")"));
        }
        columns.add("`_lsn` UInt64");
        columns.add("`_deleted` UInt8");
        List<String> key = new ArrayList<>();
        if (keySchema != null) {
            for (Field f : keySchema.fields()) {
                key.add(quote(f.name()));
            }
        }
        return "CREATE TABLE IF NOT EXISTS "
                + quote(database)
                + "."
                + quote(table)
                + " ("
                + String.join(", ", columns)
                + ") ENGINE = ReplacingMergeTree(_lsn) ORDER BY ("
                + (key.isEmpty() ? "_lsn" : String.join(", ", key))
                + ")";
    }

    /** Appends the envelope's row: {@code after}, or {@code before} for a delete. */
    static void append(StringBuilder out, Struct envelope) {
        String op = envelope.getString("op");
        boolean deleted = "d".equals(op);
        Struct row = envelope.getStruct(deleted ? "before" : "after");
        Schema schema = rowSchema(envelope);
        for (Field f : schema.fields()) {
            Object v = row == null ? null : row.get(f);
            if (v == null) {
                out.append("\\N");
            } else if (v instanceof Boolean b) {
                out.append(b ? '1' : '0');
            } else {
                escape(out, v.toString());
            }
            out.append('\t');
        }
        Long lsn = envelope.getStruct("source").getInt64("lsn");
        out.append(lsn == null ? 0 : lsn).append('\t').append(deleted ? '1' : '0').append('\n');
    }

    static Schema rowSchema(Struct envelope) {
        return envelope.schema().field("after").schema();
    }

    static String type(Schema s) {
        return switch (s.type()) {
            case INT8, INT16, INT32, INT64 -> s.name() == null ? "Int64" : "String";
            case FLOAT32, FLOAT64 -> "Float64";
            case BOOLEAN -> "UInt8";
            default -> "String";
        };
    }

    private static boolean isKey(Field f, Schema keySchema) {
        return keySchema != null && keySchema.field(f.name()) != null;
    }

    /** TabSeparated escaping: backslash, tab, newline, carriage return. */
    static void escape(StringBuilder out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                default -> out.append(c);
            }
        }
    }

    /** A ClickHouse identifier in backquotes. */
    static String quote(String identifier) {
        return "`" + identifier.replace("\\", "\\\\").replace("`", "\\`") + "`";
    }
}
