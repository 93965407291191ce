package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a typed row as the wire {@link AnalyticsRow}: one value per column of its table, as
 * ClickHouse text ({@code null} for NULL), in the table's column order. Each value is bound to its
 * column by name, and building fails unless every column of the table has exactly one value, so the
 * order of the fields always follows the DDL in {@link AnalyticsTables}.
 */
public final class RowEncoder<R extends TableRow> implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One column's value of a row, as ClickHouse text. */
    @FunctionalInterface
    interface Value<R> extends Serializable {
        String of(R row);
    }

    private final AnalyticsTables.Table table;
    private final List<Value<R>> values;

    private RowEncoder(AnalyticsTables.Table table, List<Value<R>> values) {
        this.table = table;
        this.values = values;
    }

    static <R extends TableRow> Builder<R> forTable(AnalyticsTables.Table table) {
        return new Builder<>(table);
    }

    AnalyticsTables.Table table() {
        return table;
    }

    /** The columns the fields are written for, in order. */
    List<String> columns() {
        return table.columnNames();
    }

    public AnalyticsRow encode(R row) {
        String[] fields = new String[values.size()];
        for (int i = 0; i < fields.length; i++) {
            fields[i] = values.get(i).of(row);
        }
        return new AnalyticsRow(table.name(), row.key(), row.version(), fields);
    }

    static final class Builder<R extends TableRow> {
        private final AnalyticsTables.Table table;
        private final Map<String, Value<R>> byColumn = new HashMap<>();

        private Builder(AnalyticsTables.Table table) {
            this.table = table;
        }

        Builder<R> put(String column, Value<R> value) {
            if (!table.columnNames().contains(column)) {
                throw new IllegalArgumentException(
                        "analytics."
                                + table.name()
                                + " has no column "
                                + column
                                + "; its columns are "
                                + table.columnNames());
            }
            if (byColumn.putIfAbsent(column, value) != null) {
                throw new IllegalArgumentException(
                        "two values for analytics." + table.name() + "." + column);
            }
            return this;
        }

        RowEncoder<R> build() {
            List<Value<R>> values = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String column : table.columnNames()) {
                Value<R> v = byColumn.get(column);
                if (v == null) {
                    missing.add(column);
                }
                values.add(v);
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException(
                        "no value for analytics." + table.name() + " column(s) " + missing);
            }
            return new RowEncoder<>(table, List.copyOf(values));
        }
    }
}
