package io.sluice.jobs.mirror;

import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.cdc.connectors.base.source.meta.split.FinishedSnapshotSplitInfo;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the source's snapshot catch-up ends, per table: the WAL position at which the last snapshot
 * chunk of the table was read. Flink CDC reads each chunk with a plain {@code SELECT} after noting
 * the WAL position (the chunk's watermark; Sluice skips the backfill), and then streams from the
 * earliest chunk's position without filtering: a change made after one chunk was noted and before a
 * later chunk was read reaches the stream although that later chunk already shows its effect. A
 * delete of such a row arrives for a row no chunk delivered. Changes before the table's last chunk
 * position are flagged ({@link io.sluice.common.change.ChangeRecord#snapshotCatchUp}) so that
 * consumers tell such replays from deletes of rows they forgot.
 *
 * <p>One per source subtask: the dialect ({@link CheckpointedOffsetsOnlyDialect}) fills it when its
 * reader starts the stream split, whose finished-chunk list (checkpointed with the split, so a
 * restore fills it again) holds every chunk's position, and the {@link ChangeRecordDeserializer} of
 * the same subtask reads it. Both are fields of the one serialized source, so each subtask's copy
 * shares one instance.
 */
@Internal
public final class SnapshotCatchUp implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotCatchUp.class);

    /** Table → the newest chunk position of the table. */
    private transient volatile Map<TableId, Long> lastChunkLsn;

    /** The newest chunk position of all tables: every change from here on is past the catch-up. */
    private transient volatile long end;

    /** The stream split has started (or restarted): takes its chunks' positions. */
    public void streamSplitStarted(StreamSplit split) {
        Map<TableId, Long> last = new HashMap<>();
        for (FinishedSnapshotSplitInfo chunk : split.getFinishedSnapshotSplitInfos()) {
            if (chunk.getHighWatermark() instanceof PostgresOffset offset
                    && offset.getLsn() != null
                    && offset.getLsn().isValid()) {
                last.merge(
                        new TableId(chunk.getTableId().schema(), chunk.getTableId().table()),
                        offset.getLsn().asLong(),
                        Math::max);
            }
        }
        lastChunkLsn = Map.copyOf(last);
        end = last.values().stream().reduce(0L, (a, b) -> Long.compareUnsigned(a, b) >= 0 ? a : b);
        LOG.info(
                "The stream starts at {}; the snapshot's catch-up ends, per table, at {} ({} chunks)",
                split.getStartingOffset(),
                last,
                split.getFinishedSnapshotSplitInfos().size());
    }

    /** Whether a streamed change of the table at {@code lsn} lies in the snapshot's catch-up. */
    public boolean covers(TableId table, long lsn) {
        if (Long.compareUnsigned(lsn, end) >= 0) {
            return false; // past every table's catch-up (and before the stream: end is 0)
        }
        Long tableEnd = lastChunkLsn.get(table);
        return tableEnd != null && Long.compareUnsigned(lsn, tableEnd) < 0;
    }
}
