package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.util.Arrays;
import java.util.Objects;

/**
 * One row for an analytics table in ClickHouse: the table, the row's key (the table's ORDER BY
 * columns, joined), its version, and its fields as ClickHouse text in the table's column order
 * ({@code null} for NULL). Rows with the same table and key replace each other: the highest version
 * wins, in ClickHouse ({@code ReplacingMergeTree(_version)}) and already in the sink's buffer.
 *
 * <p>Operators do not fill it by hand: each table has a typed row ({@link EventRow}, {@link
 * SessionRow}, ...) whose {@link RowEncoder} writes the fields, bound to the table's columns by
 * name. Read a value back with {@link #get} (or {@link AnalyticsTables.Table#get} for events).
 */
public class AnalyticsRow {
    public String table;
    public String key;
    public long version;
    public String[] fields;

    /**
     * Derived from a snapshot row. Its table may be written before checkpoints complete (events,
     * dead letters), but this row may not: which rows a snapshot chunk delivers depends on when the
     * chunk is read, and a restore reads an unfinished chunk again, so a row of the first read that
     * the second no longer holds (deleted in between) would stay behind in ClickHouse. The sink
     * writes it when the checkpoint after it completes.
     */
    public boolean fromSnapshot;

    public AnalyticsRow() {}

    public AnalyticsRow(String table, String key, long version, String[] fields) {
        this.table = table;
        this.key = key;
        this.version = version;
        this.fields = fields;
    }

    /**
     * The value of {@code column}, as ClickHouse text. Not for analytics.events rows, whose columns
     * depend on the promoted properties: read those with {@link AnalyticsTables.Table#get}.
     */
    public String get(String column) {
        return AnalyticsTables.fixed(table).get(this, column);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnalyticsRow r
                && r.version == version
                && r.table.equals(table)
                && r.key.equals(key)
                && Arrays.equals(r.fields, fields);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, key, version);
    }

    @Override
    public String toString() {
        return table + "[" + key + "]@" + version + " " + Arrays.toString(fields);
    }
}
