package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The fields of a {@link TableBuffer}'s rows that their changes did not carry (TOASTed columns a
 * change left untouched) and no earlier row of the batch had: at flush they are read from the row
 * as ClickHouse holds it ({@code FINAL}), which is the row's previous version since a table's
 * batches are written in order.
 */
final class PendingFields {
    /** Keys per lookup query: keeps each query far below ClickHouse's max_query_size (256 KiB). */
    static final int KEYS_PER_LOOKUP = 500;

    private final String table;
    private final List<String> columns;
    private final int[] keyIndexes;
    private final List<ColumnEncoder> encoders;

    /** Row index → the column indexes still to fill. */
    private final Map<Integer, int[]> pending = new HashMap<>();

    /** The columns the last lookup queries read, after the key columns. */
    private int[] lookupColumns;

    PendingFields(
            String table, List<String> columns, int[] keyIndexes, List<ColumnEncoder> encoders) {
        this.table = table;
        this.columns = columns;
        this.keyIndexes = keyIndexes;
        this.encoders = encoders;
    }

    void add(int rowIndex, int[] columnIndexes) {
        pending.put(rowIndex, columnIndexes);
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    void clear() {
        pending.clear();
    }

    /** A row's key: its key fields' TabSeparated text, tab-separated. */
    static String key(byte[][] row, int[] keyIndexes) {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < keyIndexes.length; k++) {
            if (k > 0) {
                sb.append('\t');
            }
            sb.append(new String(row[keyIndexes[k]], StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    /**
     * The queries that read the current values of the pending rows' missing fields, at most {@link
     * #KEYS_PER_LOOKUP} keys each; empty when none are pending. Their results, together, go to
     * {@link #resolve}.
     */
    List<String> lookupQueries(String database, List<byte[][]> rows) {
        if (pending.isEmpty()) {
            return List.of();
        }
        Set<Integer> wanted = new TreeSet<>();
        Set<String> keys = new LinkedHashSet<>();
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

    /**
     * Fills the pending fields of {@code rows} from the looked-up rows; returns how many fields had
     * no current row in ClickHouse (they keep the column's default).
     */
    int resolve(List<List<String>> lookedUp, List<byte[][]> rows) {
        Map<String, List<String>> byKey = new HashMap<>();
        for (List<String> fields : lookedUp) {
            byKey.put(String.join("\t", fields.subList(0, keyIndexes.length)), fields);
        }
        int unresolved = 0;
        for (int rowIndex : new TreeSet<>(pending.keySet())) {
            byte[][] row = rows.get(rowIndex);
            List<String> current = byKey.get(key(row, keyIndexes));
            for (int i : pending.get(rowIndex)) {
                int pos = indexOf(lookupColumns, i);
                if (current != null) {
                    row[i] = current.get(keyIndexes.length + pos).getBytes(StandardCharsets.UTF_8);
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
        return out.toString(StandardCharsets.UTF_8);
    }
}
