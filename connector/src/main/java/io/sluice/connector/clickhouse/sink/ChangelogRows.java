package io.sluice.connector.clickhouse.sink;

import io.sluice.common.clickhouse.ColumnEncoder;
import io.sluice.connector.clickhouse.UpsertTable;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.types.RowKind;

/**
 * Turns one change of the upsert changelog into one TabSeparated row of the table's insert columns
 * ({@link UpsertTable#insertColumns()}: the Flink columns, {@code _version}, {@code _is_deleted}):
 *
 * <ul>
 *   <li>+I and +U: every column, {@code _is_deleted = 0};
 *   <li>-D: the key's columns, every other column NULL (or its type's default when not Nullable),
 *       {@code _is_deleted = 1};
 *   <li>-U: no row ({@link #encode} returns false). An upsert sink is not sent any, and the +U
 *       after one replaces the row anyway.
 * </ul>
 *
 * Values are written by the encoders of the column types ClickHouse reports ({@link ColumnEncoder},
 * the mirror's), built once per writer.
 */
final class ChangelogRows {
    private final int fieldCount;
    private final RowData.FieldGetter[] getters;
    private final LogicalType[] types;
    private final boolean[] key;
    private final ColumnEncoder[] encoders;

    /**
     * @param existingTypes the ClickHouse type of each insert column, by name (system.columns)
     */
    ChangelogRows(UpsertTable table, Map<String, String> existingTypes) {
        this.fieldCount = table.columns().size();
        this.getters = new RowData.FieldGetter[fieldCount];
        this.types = new LogicalType[fieldCount];
        this.key = new boolean[fieldCount];
        List<ColumnEncoder> enc = new ArrayList<>();
        for (int i = 0; i < fieldCount; i++) {
            types[i] = table.types().get(i);
            getters[i] = RowData.createFieldGetter(types[i], i);
            key[i] = table.isKey(i);
            enc.add(ColumnEncoder.forType(existingTypes.get(table.columns().get(i))));
        }
        this.encoders = enc.toArray(new ColumnEncoder[0]);
    }

    /**
     * Appends the row of {@code change} at {@code version} to {@code out}; false (nothing appended)
     * for an UPDATE_BEFORE.
     */
    boolean encode(RowData change, long version, ByteArrayOutputStream out) {
        RowKind kind = change.getRowKind();
        if (kind == RowKind.UPDATE_BEFORE) {
            return false;
        }
        boolean delete = kind == RowKind.DELETE;
        for (int i = 0; i < fieldCount; i++) {
            Object value =
                    delete && !key[i] ? null : external(getters[i].getFieldOrNull(change), i);
            encoders[i].write(value, out);
            out.write('\t');
        }
        out.writeBytes(Long.toUnsignedString(version).getBytes(StandardCharsets.US_ASCII));
        out.write('\t');
        out.write(delete ? '1' : '0');
        out.write('\n');
        return true;
    }

    /** The Java value {@link ColumnEncoder} takes for a Flink internal value. */
    private Object external(Object internal, int i) {
        if (internal == null) {
            return null;
        }
        switch (types[i].getTypeRoot()) {
            case CHAR:
            case VARCHAR:
                return ((StringData) internal).toString();
            case DECIMAL:
                return ((DecimalData) internal).toBigDecimal();
            case DATE:
                return LocalDate.ofEpochDay((Integer) internal);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return ((TimestampData) internal).toLocalDateTime();
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return ((TimestampData) internal).toInstant();
            default:
                return internal; // Boolean, Byte, Short, Integer, Long, Float, Double, byte[]
        }
    }
}
