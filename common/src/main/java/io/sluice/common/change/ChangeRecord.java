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
 *   <li>{@code snapshotCatchUp}: streamed while the source was still catching up with its snapshot,
 *       at a WAL position before the last snapshot chunk of its table was read. The snapshot may
 *       already hold its effect (Flink CDC streams from the earliest chunk's position and, without
 *       a backfill, replays what later chunks read): a delete of a row no snapshot chunk delivered
 *       is then a replay, not a delete of something forgotten.
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
    private final boolean snapshotCatchUp;

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
        this(table, op, values, unchangedColumns, lsn, commitMs, false);
    }

    public ChangeRecord(
            TableId table,
            Op op,
            Map<String, Object> values,
            Set<String> unchangedColumns,
            long lsn,
            long commitMs,
            boolean snapshotCatchUp) {
        this.table = Objects.requireNonNull(table);
        this.op = Objects.requireNonNull(op);
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.unchangedColumns = Set.copyOf(unchangedColumns);
        this.lsn = lsn;
        this.commitMs = commitMs;
        this.snapshotCatchUp = snapshotCatchUp;
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

    /** Streamed before the last snapshot chunk of its table was read (see the class doc). */
    public boolean snapshotCatchUp() {
        return snapshotCatchUp;
    }

    /** The same change with other column values: its position, time and flags stay. */
    public ChangeRecord withValues(Map<String, Object> newValues) {
        return new ChangeRecord(
                table, op, newValues, unchangedColumns, lsn, commitMs, snapshotCatchUp);
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
                && snapshotCatchUp == r.snapshotCatchUp
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
                + (unchangedColumns.isEmpty() ? "" : " unchanged=" + unchangedColumns)
                + (snapshotCatchUp ? " (snapshot catch-up)" : "");
    }
}
