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
 * holds it ({@link PendingFields}).
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

    /** Rows with fields still to fill from ClickHouse. */
    private final PendingFields pending;

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
        this.pending = new PendingFields(table, this.columns, keyIndexes, encoders);
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
                pending.add(
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
        return PendingFields.key(row, keyIndexes);
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

    /**
     * The queries that read the current values of the pending rows' missing fields; empty when none
     * are pending. Their results, together, go to {@link #resolvePending}.
     */
    List<String> pendingLookupQueries(String database) {
        return pending.lookupQueries(database, rows);
    }

    /**
     * Fills pending fields from the looked-up rows; returns how many fields had no current row in
     * ClickHouse (they keep the column's default).
     */
    int resolvePending(List<List<String>> lookedUp) {
        return pending.resolve(lookedUp, rows);
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
