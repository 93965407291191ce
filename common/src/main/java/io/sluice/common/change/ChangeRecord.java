package io.sluice.common.change;

import io.sluice.common.config.TableId;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One row change of a captured table, in Sluice's value model: {@code null}, Boolean, Short,
 * Integer, Long, Float, Double, BigDecimal, String, byte[], LocalDate, LocalTime, LocalDateTime,
 * Instant, or a List of these.
 *
 * <ul>
 *   <li>{@code values}: the row after the change; for a delete, the row before it (with the default
 *       replica identity, only the primary key).
 *   <li>{@code unchangedColumns}: TOASTed columns the change did not touch, whose values the source
 *       does not resend: they keep their current value.
 *   <li>{@code lsn}: the change's position in the WAL. It is the row's version: a replayed change
 *       has the same LSN and so writes the same row again. Snapshot rows carry the run's snapshot
 *       anchor instead, a WAL position taken before the snapshot was read (see {@link Versions}).
 *   <li>{@code commitMs}: the commit time of the change's transaction (for snapshot rows, the time
 *       of the snapshot anchor), 0 when unknown. Verdicts that need a "now" (an event too far in
 *       the future) take it from here, never from the wall clock, so a replay decides the same.
 * </ul>
 */
@TypeInfo(ChangeRecordTypeInfoFactory.class)
public final class ChangeRecord {
    /** What happened to the row. */
    public enum Op {
        SNAPSHOT,
        INSERT,
        UPDATE,
        DELETE
    }

    private final TableId table;
    private final Op op;
    private final Map<String, Object> values;
    private final Set<String> unchangedColumns;
    private final long lsn;
    private final long commitMs;

    public ChangeRecord(
            TableId table,
            Op op,
            Map<String, Object> values,
            Set<String> unchangedColumns,
            long lsn) {
        this(table, op, values, unchangedColumns, lsn, 0L);
    }

    public ChangeRecord(
            TableId table,
            Op op,
            Map<String, Object> values,
            Set<String> unchangedColumns,
            long lsn,
            long commitMs) {
        this.table = Objects.requireNonNull(table);
        this.op = Objects.requireNonNull(op);
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.unchangedColumns = Set.copyOf(unchangedColumns);
        this.lsn = lsn;
        this.commitMs = commitMs;
    }

    public TableId table() {
        return table;
    }

    public Op op() {
        return op;
    }

    public Map<String, Object> values() {
        return values;
    }

    public Set<String> unchangedColumns() {
        return unchangedColumns;
    }

    public long lsn() {
        return lsn;
    }

    public long commitMs() {
        return commitMs;
    }

    public boolean isDelete() {
        return op == Op.DELETE;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ChangeRecord r)) {
            return false;
        }
        return lsn == r.lsn
                && commitMs == r.commitMs
                && table.equals(r.table)
                && op == r.op
                && unchangedColumns.equals(r.unchangedColumns)
                && ValueCodec.deepEquals(values, r.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, op, lsn);
    }

    @Override
    public String toString() {
        return op
                + " "
                + table
                + "@"
                + lsn
                + " "
                + values
                + (unchangedColumns.isEmpty() ? "" : " unchanged=" + unchangedColumns);
    }
}
