package io.sluice.common.config;

import java.io.Serializable;
import java.util.Objects;

/** A Postgres table named by schema and table; {@code public} when the schema is omitted. */
public final class TableId implements Serializable, Comparable<TableId> {
    private static final long serialVersionUID = 1L;

    private final String schema;
    private final String table;

    public TableId(String schema, String table) {
        this.schema = Objects.requireNonNull(schema);
        this.table = Objects.requireNonNull(table);
    }

    /** Parses {@code schema.table} or {@code table}; returns null when the text is not a name. */
    public static TableId parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        String[] parts = t.split("\\.", -1);
        if (parts.length == 1 && isIdentifier(parts[0])) {
            return new TableId("public", parts[0]);
        }
        if (parts.length == 2 && isIdentifier(parts[0]) && isIdentifier(parts[1])) {
            return new TableId(parts[0], parts[1]);
        }
        return null;
    }

    private static boolean isIdentifier(String s) {
        return s.matches("[A-Za-z_][A-Za-z0-9_$]*");
    }

    public String schema() {
        return schema;
    }

    public String table() {
        return table;
    }

    /** The name as Postgres and Flink CDC write it: {@code schema.table}. */
    public String qualified() {
        return schema + "." + table;
    }

    /**
     * The ClickHouse table name for this Postgres table: the table name alone for the {@code
     * public} schema, {@code schema_table} otherwise (ClickHouse has one namespace per database).
     */
    public String clickHouseName() {
        return "public".equals(schema) ? table : schema + "_" + table;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableId other
                && schema.equals(other.schema)
                && table.equals(other.table);
    }

    @Override
    public int hashCode() {
        return Objects.hash(schema, table);
    }

    @Override
    public int compareTo(TableId o) {
        return qualified().compareTo(o.qualified());
    }

    @Override
    public String toString() {
        return qualified();
    }
}
