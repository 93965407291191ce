package io.sluice.jobs.ops;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import io.sluice.common.config.TableId;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Right after the source (chained, passing every change through), subtask 0 decides what the run is
 * once its state is known, which only the tasks know for sure ({@code flink run -s} is not visible
 * to {@code main}):
 *
 * <ul>
 *   <li>no state restored: the run is a resync, so the rows written before its anchor are retired
 *       ({@link Resync#retire}); a failover before the first checkpoint does it again, harmlessly;
 *   <li>state restored: the replication slot must still exist. Flink CDC 3.5 would create a new one
 *       and continue from it, silently skipping the WAL in between; the job fails instead, without
 *       restarts, naming the fix.
 * </ul>
 */
public final class LifecycleGuard extends AbstractStreamOperator<ChangeRecord>
        implements OneInputStreamOperator<ChangeRecord, ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final Map<TableId, List<String>> keys;
    private final boolean analytics;
    private final long anchor;

    public LifecycleGuard(
            SluiceConfig config, Map<TableId, List<String>> keys, boolean analytics, long anchor) {
        this.config = config;
        this.keys = Map.copyOf(keys);
        this.analytics = analytics;
        this.anchor = anchor;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        if (!context.isRestored()) {
            Resync.retire(config, keys, analytics, anchor);
        } else if (!Startup.slotExists(config)) {
            throw new SuppressRestartsException(
                    new ConfigException(
                            List.of(
                                    "the replication slot '"
                                            + config.get(SluiceOptions.PG_SLOT)
                                            + "' no longer exists (dropped, or lost in a"
                                            + " failover): continuing from the restored state"
                                            + " would silently skip the changes since. Start"
                                            + " again without -s (a resync), or with ./sluice run"
                                            + " and postgres.on-slot-loss: resync")));
        }
    }

    @Override
    public void processElement(StreamRecord<ChangeRecord> element) {
        output.collect(element);
    }
}
