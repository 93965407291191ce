package io.sluice.jobs.mirror;

import org.apache.flink.annotation.Internal;
import org.apache.flink.cdc.connectors.base.config.JdbcSourceConfig;
import org.apache.flink.cdc.connectors.base.source.meta.offset.Offset;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.base.source.reader.external.JdbcSourceFetchTaskContext;
import org.apache.flink.cdc.connectors.postgres.source.PostgresDialect;
import org.apache.flink.cdc.connectors.postgres.source.config.PostgresSourceConfig;
import org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flink CDC's Postgres dialect, except that it confirms to the replication slot only positions that
 * a completed checkpoint holds.
 *
 * <p>Flink CDC 3.5 confirms the slot when a checkpoint completes, {@code
 * scan.lsn-commit.checkpoints-num-delay} checkpoints late. It passes the offset that checkpoint
 * stored, but the reader drops that offset for checkpoints taken before it may commit (the snapshot
 * phase, or right after a restore, until the enumerator's {@code OffsetCommitEvent} arrives). For
 * such a checkpoint the offset is {@code null}, and {@code
 * PostgresStreamFetchTask.commitCurrentOffset(null)} then confirms the position the stream has
 * <em>read so far</em>: past every checkpoint. A restore from the newest checkpoint then resumes
 * behind the slot, and Postgres, which streams a slot from its confirmed position at the earliest,
 * skips the changes in between. (Sluice's startup check and {@code LifecycleGuard} refuse such a
 * restore rather than skip; ClusterUpgradeIT saw a savepoint refused this way, 168 bytes behind the
 * slot.) Here a missing offset confirms nothing: the next checkpoint with an offset does.
 *
 * <p>It also hands the stream split's chunk positions to the subtask's {@link SnapshotCatchUp} when
 * its reader starts the stream.
 */
@Internal
public final class CheckpointedOffsetsOnlyDialect extends PostgresDialect {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointedOffsetsOnlyDialect.class);

    private final SnapshotCatchUp catchUp;

    public CheckpointedOffsetsOnlyDialect(PostgresSourceConfig sourceConfig) {
        this(sourceConfig, new SnapshotCatchUp());
    }

    CheckpointedOffsetsOnlyDialect(PostgresSourceConfig sourceConfig, SnapshotCatchUp catchUp) {
        super(sourceConfig);
        this.catchUp = catchUp;
    }

    @Override
    public JdbcSourceFetchTaskContext createFetchTaskContext(JdbcSourceConfig taskSourceConfig) {
        return new PostgresSourceFetchTaskContext(taskSourceConfig, this) {
            @Override
            public void configure(SourceSplitBase split) {
                super.configure(split);
                if (split.isStreamSplit()) {
                    catchUp.streamSplitStarted(split.asStreamSplit());
                }
            }
        };
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId, Offset offset) throws Exception {
        if (offset == null) {
            LOG.debug(
                    "Checkpoint {} holds no stream offset: the replication slot is not confirmed"
                            + " for it",
                    checkpointId);
            return;
        }
        super.notifyCheckpointComplete(checkpointId, offset);
    }
}
