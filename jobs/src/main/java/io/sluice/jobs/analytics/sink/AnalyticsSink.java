package io.sluice.jobs.analytics.sink;

import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes analytics rows to ClickHouse with exactly-once results. Rollup and session rows go in two
 * phases: the writer keeps the newest row per key until a checkpoint, hands the encoded batches to
 * Flink as committables (stored in the checkpoint), and the committer inserts them once the
 * checkpoint is complete. So ClickHouse never sees rollup rows of a run that was rolled back, and a
 * commit repeated after a restore writes the same rows with the same versions. Why: a rollup row's
 * content depends on the order in which parallel operators' changes met, which a replay need not
 * repeat; only rows of checkpointed state are consistent with what the restored job goes on from.
 *
 * <p>Rows of {@code events}, {@code dead_letters} and {@code late_events} are deterministic per
 * change (versioned by its LSN), so the writer inserts them at the flush interval instead, like the
 * mirror, on a thread of its own; the ones not yet written at a checkpoint are its state (see
 * {@link AnalyticsSinkWriter}). The committer's inserts still retry on the task thread, when a
 * checkpoint completes.
 */
public final class AnalyticsSink
        implements Sink<AnalyticsRow>,
                SupportsCommitter<AnalyticsBatch>,
                SupportsWriterState<AnalyticsRow, AnalyticsBatch> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final HashMap<String, List<String>> columns = new HashMap<>();

    public AnalyticsSink(SluiceConfig config, List<AnalyticsTables.Table> tables) {
        this.config = config;
        for (AnalyticsTables.Table t : tables) {
            columns.put(t.name(), t.columnNames());
        }
    }

    Map<String, List<String>> columns() {
        return columns;
    }

    @Override
    public AnalyticsSinkWriter createWriter(WriterInitContext context) throws IOException {
        return restoreWriter(context, List.of());
    }

    /** A writer that first writes the early batches its predecessor had not written. */
    @Override
    public AnalyticsSinkWriter restoreWriter(
            WriterInitContext context, Collection<AnalyticsBatch> recoveredState)
            throws IOException {
        try {
            return new AnalyticsSinkWriter(columns, context, config, recoveredState);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restoring the analytics sink writer", e);
        }
    }

    @Override
    public SimpleVersionedSerializer<AnalyticsBatch> getWriterStateSerializer() {
        return new AnalyticsBatch.Serializer();
    }

    @Override
    @Deprecated
    public SinkWriter<AnalyticsRow> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }

    @Override
    public Committer<AnalyticsBatch> createCommitter(CommitterInitContext context)
            throws IOException {
        return new AnalyticsCommitter(config, context.metricGroup());
    }

    @Override
    public SimpleVersionedSerializer<AnalyticsBatch> getCommittableSerializer() {
        return new AnalyticsBatch.Serializer();
    }
}
