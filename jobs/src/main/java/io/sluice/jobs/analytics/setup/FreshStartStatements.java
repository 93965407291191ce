package io.sluice.jobs.analytics.setup;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.config.SluiceConfig;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes its input through and, when the job's tasks start without state, runs ClickHouse
 * statements first (subtask 0): a backfill's overwrite of its range. Whether a run resumes is only
 * certain here ({@code flink run -s} is not visible to {@code main}); a resumed backfill must not
 * overwrite the rows its first attempt wrote. The statements write below the versions the run
 * writes, so they may run before or after any of its rows land.
 */
@Internal
public final class FreshStartStatements<T> extends AbstractStreamOperator<T>
        implements OneInputStreamOperator<T, T> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FreshStartStatements.class);

    private final SluiceConfig config;
    private final List<String> statements;

    private static final ListStateDescriptor<Boolean> STARTED =
            new ListStateDescriptor<>("started", Types.BOOLEAN);

    private transient ListState<Boolean> started;

    public FreshStartStatements(SluiceConfig config, List<String> statements) {
        this.config = config;
        this.statements = List.copyOf(statements);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        // Subtask 0 keeps a marker in every checkpoint: Flink restores no state at all to a
        // subtask whose state is empty, and that subtask would then look like a fresh start.
        started = context.getOperatorStateStore().getListState(STARTED);
        if (context.isRestored()
                || getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() != 0) {
            return;
        }
        try (ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            for (String sql : statements) {
                schema.write(sql);
            }
        }
        LOG.info("Fresh start: {} overwrite statements run", statements.size());
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            started.update(List.of(true));
        }
    }

    @Override
    public void processElement(StreamRecord<T> element) {
        output.collect(element);
    }
}
