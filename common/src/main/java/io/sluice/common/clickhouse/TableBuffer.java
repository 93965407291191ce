package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.schema.ClickHouseDdl;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rows waiting to be written to one ClickHouse table, encoded as TabSeparated fields in the
 * table's column order.
 *
 * <p>A change that leaves TOASTed columns untouched does not carry their values. They are taken
 * from the latest version of the row in this batch, or else, at flush, from the row as ClickHouse
 * holds it ({@code FINAL}): the sink writes a table's batches in order, so what ClickHouse holds is
 * the row's previous version.
 */
final class TableBuffer {
    final String table;
    final List<String> columns;
    private final Set<String> columnSet;
    private final List<ColumnEncoder> encoders;
    private final int[] keyIndexes;
    private final List<String> types;
    private final List<String> keyColumns;

    /** The changes behind the rows, kept for the writer's checkpoint until they are written. */
    private final List<ChangeRecord> records = new ArrayList<>();

    private final List<byte[][]> rows = new ArrayList<>();

    /** The change behind each row of {@link #rows}. */
    private final List<ChangeRecord> rowChanges = new ArrayList<>();

    /** Changes whose values this table's columns cannot take: they go to the dead letters. */
    private final List<MirrorDeadLetters.Letter> rejected = new ArrayList<>();

    private final Map<String, Integer> latestRowByKey = new HashMap<>();

    /** Rows with fields still to fill from ClickHouse: row index → column indexes. */
    private final Map<Integer, int[]> pending = new HashMap<>();

    private long bytes;

    TableBuffer(String table, List<String> columns, List<String> types, List<String> keyColumns) {
        this.table = table;
        this.columns = List.copyOf(columns);
        this.columnSet = new HashSet<>(columns);
        this.types = List.copyOf(types);
        this.keyColumns = List.copyOf(keyColumns);
        this.encoders = types.stream().map(ColumnEncoder::forType).toList();
        this.keyIndexes = new int[keyColumns.size()];
        for (int i = 0; i < keyColumns.size(); i++) {
            keyIndexes[i] = columns.indexOf(keyColumns.get(i));
            if (keyIndexes[i] < 0) {
                throw new IllegalStateException(
                        "ClickHouse table "
                                + table
                                + " has no column for key column "
                                + keyColumns.get(i));
            }
        }
    }

    /** The record's columns this table lacks. */
    Set<String> missingColumns(ChangeRecord r) {
        Set<String> missing = new HashSet<>();
        for (String c : r.values().keySet()) {
            if (!columnSet.contains(c)) {
                missing.add(c);
            }
        }
        return missing;
    }

    /** An empty buffer for the same table and columns. */
    TableBuffer emptyCopy() {
        return new TableBuffer(table, columns, types, keyColumns);
    }

    /** The changes added since the last {@link #clear}, in order. */
    List<ChangeRecord> records() {
        return records;
    }

    void add(ChangeRecord r) {
        records.add(r);
        byte[][] row = new byte[columns.size()][];
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        List<Integer> unresolved = null;
        for (int i = 0; i < row.length; i++) {
            String column = columns.get(i);
            out.reset();
            switch (column) {
                case ClickHouseDdl.VERSION, ClickHouseDdl.LSN ->
                        ColumnEncoder.ascii(Long.toUnsignedString(r.lsn()), out);
                case ClickHouseDdl.IS_DELETED -> out.write(r.isDelete() ? '1' : '0');
                default -> {
                    // A column the record does not carry at all keeps its current value too:
                    // after a restore from a checkpoint taken before an ADD COLUMN, Flink CDC
                    // decodes replayed changes with the old schema, and writing the column's
                    // default would overwrite the value an earlier run wrote at the same version.
                    if (r.unchangedColumns().contains(column)
                            || (!r.isDelete() && !r.values().containsKey(column))) {
                        if (unresolved == null) {
                            unresolved = new ArrayList<>();
                        }
                        unresolved.add(i);
                        continue;
                    }
                    String why = write(i, r, out);
                    if (why != null) {
                        rejected.add(letter(r, why));
                        return; // the change stays in records: a restored writer rejects it again
                    }
                }
            }
            row[i] = out.toByteArray();
        }
        String key = key(row);
        Integer previous = latestRowByKey.get(key);
        if (unresolved != null) {
            List<Integer> stillUnresolved = new ArrayList<>();
            for (int i : unresolved) {
                if (previous != null && rows.get(previous)[i] != null) {
                    row[i] = rows.get(previous)[i];
                } else {
                    stillUnresolved.add(i);
                }
            }
            if (!stillUnresolved.isEmpty()) {
                pending.put(
                        rows.size(),
                        stillUnresolved.stream().mapToInt(Integer::intValue).toArray());
            }
        }
        latestRowByKey.put(key, rows.size());
        rows.add(row);
        rowChanges.add(r);
        for (byte[] f : row) {
            bytes += f == null ? 0 : f.length + 1;
        }
    }

    /**
     * Encodes the record's value of column {@code i}; returns null, or why the column cannot take
     * the value (a dead letter's reason).
     */
    private String write(int i, ChangeRecord r, ByteArrayOutputStream out) {
        try {
            encoders.get(i).write(r.values().get(columns.get(i)), out);
            return null;
        } catch (IllegalArgumentException e) {
            // The encoder's message describes the value without quoting it (personal data).
            return "column "
                    + columns.get(i)
                    + " ("
                    + types.get(i)
                    + ") of ClickHouse table "
                    + table
                    + " cannot take the value: "
                    + e.getMessage()
                    + ". If the Postgres column's type has changed since the ClickHouse column was"
                    + " made, change the ClickHouse column to the type the new one maps to"
                    + " (docs/mirror.md) and resync the table.";
        }
    }

    /** A dead letter for the change, keyed by its primary-key values. */
    MirrorDeadLetters.Letter letter(ChangeRecord r, String reason) {
        StringBuilder key = new StringBuilder();
        for (int k = 0; k < keyColumns.size(); k++) {
            key.append(k == 0 ? "" : "\t").append(r.values().get(keyColumns.get(k)));
        }
        return new MirrorDeadLetters.Letter(r, key.toString(), reason);
    }

    /** The changes that became dead letters when they were added. */
    List<MirrorDeadLetters.Letter> rejected() {
        return rejected;
    }

    /** The change behind row {@code i} of {@link #encode(int, int)}. */
    ChangeRecord changeOfRow(int i) {
        return rowChanges.get(i);
    }

    /** The number of rows to insert (the {@link #size} without the rejected changes). */
    int rowCount() {
        return rows.size();
    }

    private String key(byte[][] row) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < keyIndexes.length; k++) {
            if (k > 0) {
                sb.append('\t');
            }
            sb.append(new String(row[keyIndexes[k]], java.nio.charset.StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /** The changes in this batch: its rows and its rejected changes. */
    int size() {
        return rows.size() + rejected.size();
    }

    long bytes() {
        return bytes;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Keys per lookup query: keeps each query far below ClickHouse's max_query_size (256 KiB). */
    static final int KEYS_PER_LOOKUP = 500;

    /**
     * The queries that read the current values of the pending rows' missing fields, at most {@link
     * #KEYS_PER_LOOKUP} keys each; empty when none are pending. Their results, together, go to
     * {@link #resolvePending}.
     */
    List<String> pendingLookupQueries(String database) {
        if (pending.isEmpty()) {
            return List.of();
        }
        Set<Integer> wanted = new java.util.TreeSet<>();
        Set<String> keys = new java.util.LinkedHashSet<>();
        for (Map.Entry<Integer, int[]> e : pending.entrySet()) {
            for (int i : e.getValue()) {
                wanted.add(i);
            }
            keys.add(literalKey(rows.get(e.getKey())));
        }
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int k : keyIndexes) {
            sql.append(ClickHouseSql.identifier(columns.get(k))).append(", ");
        }
        StringBuilder select = new StringBuilder();
        for (int i : wanted) {
            select.append(select.length() == 0 ? "" : ", ")
                    .append(ClickHouseSql.identifier(columns.get(i)));
        }
        sql.append(select).append(" FROM ").append(ClickHouseSql.qualified(database, table));
        sql.append(" FINAL WHERE ");
        if (keyIndexes.length == 1) {
            sql.append(ClickHouseSql.identifier(columns.get(keyIndexes[0])));
        } else {
            sql.append('(');
            for (int k = 0; k < keyIndexes.length; k++) {
                sql.append(k == 0 ? "" : ", ")
                        .append(ClickHouseSql.identifier(columns.get(keyIndexes[k])));
            }
            sql.append(')');
        }
        lookupColumns = wanted.stream().mapToInt(Integer::intValue).toArray();
        List<String> all = new ArrayList<>(keys);
        List<String> queries = new ArrayList<>();
        for (int from = 0; from < all.size(); from += KEYS_PER_LOOKUP) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + KEYS_PER_LOOKUP));
            queries.add(sql + " IN (" + String.join(", ", chunk) + ")");
        }
        return queries;
    }

    private int[] lookupColumns;

    /**
     * Fills pending fields from the looked-up rows; returns how many fields had no current row in
     * ClickHouse (they keep the column's default).
     */
    int resolvePending(List<List<String>> lookedUp) {
        Map<String, List<String>> byKey = new HashMap<>();
        for (List<String> fields : lookedUp) {
            byKey.put(String.join("\t", fields.subList(0, keyIndexes.length)), fields);
        }
        int unresolved = 0;
        for (int rowIndex : new java.util.TreeSet<>(pending.keySet())) {
            byte[][] row = rows.get(rowIndex);
            List<String> current = byKey.get(key(row));
            for (int i : pending.get(rowIndex)) {
                int pos = indexOf(lookupColumns, i);
                if (current != null) {
                    row[i] =
                            current.get(keyIndexes.length + pos)
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                } else {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    encoders.get(i).write(null, out);
                    row[i] = out.toByteArray();
                    unresolved++;
                }
            }
        }
        pending.clear();
        return unresolved;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        throw new IllegalStateException("column " + v + " was not looked up");
    }

    private String literalKey(byte[][] row) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (keyIndexes.length > 1) {
            out.write('(');
        }
        for (int k = 0; k < keyIndexes.length; k++) {
            if (k > 0) {
                out.write(',');
            }
            // The TSV field of a scalar key is its literal, quoted for text-like types.
            byte[] field = row[keyIndexes[k]];
            if (encoders.get(keyIndexes[k]) instanceof NumberEncoders.IntegerEncoder
                    || encoders.get(keyIndexes[k]) instanceof NumberEncoders.DecimalEncoder
                    || encoders.get(keyIndexes[k]) instanceof NumberEncoders.FloatEncoder) {
                out.writeBytes(field);
            } else {
                out.write('\'');
                out.writeBytes(field);
                out.write('\'');
            }
        }
        if (keyIndexes.length > 1) {
            out.write(')');
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The batch as TabSeparated bytes. */
    byte[] encode() {
        return encode(0, rows.size());
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive) as TabSeparated bytes. */
    byte[] encode(int from, int to) {
        ByteArrayOutputStream out =
                new ByteArrayOutputStream(
                        (int)
                                Math.min(
                                        Integer.MAX_VALUE - 8,
                                        to - from == rows.size() ? bytes + 16 : 256));
        for (byte[][] row : rows.subList(from, to)) {
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    out.write('\t');
                }
                out.writeBytes(row[i]);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }

    void clear() {
        records.clear();
        rows.clear();
        rowChanges.clear();
        rejected.clear();
        latestRowByKey.clear();
        pending.clear();
        bytes = 0;
    }
}
