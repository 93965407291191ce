package io.sluice.jobs.ops;

import io.sluice.common.change.Versions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Right after the source (chained, passing every change through), the guard decides what the run is
 * once its state is known, which only the tasks know for sure ({@code flink run -s} is not visible
 * to {@code main}):
 *
 * <ul>
 *   <li>no state restored: the run is a resync, so the rows written before its anchor are retired
 *       ({@link Resync#retire}); a failover before the first checkpoint does it again, harmlessly;
 *   <li>state restored: the replication slot must still exist. Flink CDC 3.5 would create a new one
 *       and continue from it, silently skipping the WAL in between; the job fails instead, without
 *       restarts, naming the fix;
 *   <li>state restored from an older checkpoint or savepoint than the slot has confirmed (a
 *       rollback past the slot): Postgres streams a slot from its confirmed position at the
 *       earliest, so the changes in between would be skipped. Every checkpoint records the WAL
 *       insert position at the moment this operator takes it, which is at or after the source's
 *       position in that checkpoint; a slot confirmed beyond it means the state is older than the
 *       slot, and the job fails without restarts, naming the fix (a resync).
 * </ul>
 *
 * <p>At every checkpoint it also writes a heartbeat message into the WAL (see {@link #heartbeat})
 * and publishes the WAL the slot holds back as the gauge {@code sluiceSlotRetainedWalBytes}.
 */
@Internal
public final class LifecycleGuard<T> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T> {
    private static final long serialVersionUID = 1L;

    private static final ListStateDescriptor<Long> WAL_AT_CHECKPOINT =
            new ListStateDescriptor<>("wal-insert-lsn-at-checkpoint", Types.LONG);

    private final SluiceConfig config;
    private final Map<TableId, List<String>> keys;
    private final boolean analytics;
    private final long anchor;

    /** Whether a run without state retires the rows written before its anchor (not: publishing). */
    private final boolean retires;

    private transient ListState<Long> walAtCheckpoint;
    private transient Connection pg; // for the WAL position at each checkpoint
    private transient volatile long retainedWalBytes;

    @Override
    public void open() throws Exception {
        super.open();
        ClassLoaderRelease.register(getRuntimeContext());
        retainedWalBytes = -1;
        // WAL the slot holds back, as of the last checkpoint (-1: unknown, or no slot yet).
        getMetricGroup().gauge("sluiceSlotRetainedWalBytes", () -> retainedWalBytes);
    }

    public LifecycleGuard(
            SluiceConfig config, Map<TableId, List<String>> keys, boolean analytics, long anchor) {
        this(config, keys, analytics, anchor, true);
    }

    /**
     * The guard of a job that writes no ClickHouse table (the publish mode): the slot checks of a
     * restored run, the heartbeat and the WAL gauge, and no retiring.
     */
    public LifecycleGuard(SluiceConfig config, long anchor) {
        this(config, Map.of(), false, anchor, false);
    }

    private LifecycleGuard(
            SluiceConfig config,
            Map<TableId, List<String>> keys,
            boolean analytics,
            long anchor,
            boolean retires) {
        this.config = config;
        this.keys = Map.copyOf(keys);
        this.analytics = analytics;
        this.anchor = anchor;
        this.retires = retires;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Not union state: a source subtask whose reader is closed after the snapshot finishes,
        // and Flink cannot checkpoint union state of a partly finished vertex. Every subtask
        // records its own position; the ones that run again check what they get back.
        walAtCheckpoint = context.getOperatorStateStore().getListState(WAL_AT_CHECKPOINT);
        if (!context.isRestored()) {
            if (retires && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                Resync.retire(config, keys, analytics, anchor);
            }
            return;
        }
        String slot = config.get(PostgresSourceOptions.SLOT);
        Long confirmed = Startup.slotConfirmedLsn(config);
        if (confirmed == null) {
            throw stop(
                    "the replication slot '"
                            + slot
                            + "' no longer exists (dropped, or lost in a failover): continuing"
                            + " from the restored state would silently skip the changes since."
                            + " Start again without -s (a resync), or with ./sluice run and"
                            + " postgres.on-slot-loss: resync");
        }
        Long restoredWal = null; // none: state from before this check existed, not judged
        for (Long w : walAtCheckpoint.get()) {
            restoredWal = restoredWal == null ? w : Math.max(restoredWal, w);
        }
        if (restoredWal != null && confirmed > restoredWal) {
            throw stop(
                    "the restored checkpoint or savepoint is older than the replication slot '"
                            + slot
                            + "': the slot has confirmed the WAL up to "
                            + Versions.lsnText(confirmed)
                            + ", the state was taken at "
                            + Versions.lsnText(restoredWal)
                            + " at the latest, and Postgres cannot stream what lies between"
                            + " again, so a replay would skip it. Restore a newer checkpoint, or"
                            + " start over with ./sluice run --fresh (a resync)");
        }
    }

    private static SuppressRestartsException stop(String message) {
        return new SuppressRestartsException(new ConfigException(List.of(message)));
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        // At or after the source's position in this checkpoint: the barrier has passed it.
        walAtCheckpoint.update(List.of(heartbeat()));
    }

    /**
     * Writes a heartbeat into the WAL and returns its position; also reads how much WAL the slot
     * holds back. Flink CDC only moves the slot forward when a change of a captured table, or a
     * logical message, passes the slot (Postgres 15+ sends nothing for other tables' transactions):
     * with the captured tables idle and the rest of the database busy, the slot would hold back
     * every byte of WAL written since. This message passes the slot at every checkpoint, Debezium's
     * heartbeat then carries its position into the source's offset, and the next completed
     * checkpoint confirms it. One query per checkpoint, on a kept connection, opened again after an
     * error.
     */
    private long heartbeat() throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (pg == null) {
                    pg = PostgresCatalog.openConnection(config);
                }
                try (Statement st = pg.createStatement();
                        ResultSet rs =
                                st.executeQuery(
                                        "SELECT (pg_logical_emit_message(false, 'sluice-heartbeat',"
                                                + " '') - '0/0')::bigint, (SELECT"
                                                + " (pg_current_wal_lsn() - confirmed_flush_lsn)::bigint"
                                                + " FROM pg_replication_slots WHERE slot_name = '"
                                                + config.get(PostgresSourceOptions.SLOT)
                                                        .replace("'", "''")
                                                + "')")) {
                    rs.next();
                    long retained = rs.getLong(2);
                    retainedWalBytes = rs.wasNull() ? -1 : retained;
                    return rs.getLong(1);
                }
            } catch (SQLException e) {
                closeConnection();
                if (attempt > 0) {
                    throw e; // the checkpoint fails; the job tolerates a few
                }
            }
        }
    }

    private void closeConnection() {
        if (pg != null) {
            try {
                pg.close();
            } catch (SQLException ignored) {
                // a broken connection: nothing more to do with it
            }
            pg = null;
        }
    }

    @Override
    public void close() throws Exception {
        closeConnection();
        super.close();
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }
}
