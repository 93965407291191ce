package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes change records to ClickHouse tables. At-least-once delivery (every batch is handed to the
 * inserter before the checkpoint barrier passes, and the batches ClickHouse has not acknowledged
 * yet are the writer's state in that checkpoint, inserted again after a restore) plus versioned
 * rows in ReplacingMergeTree tables give exactly-once results: a replayed change writes the same
 * row, with the same version, again. See {@link ClickHouseSinkWriter} for where it waits.
 */
public final class ClickHouseSink
        implements Sink<ChangeRecord>, SupportsWriterState<ChangeRecord, ClickHouseBatch> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final TableRouting routing;

    public ClickHouseSink(SluiceConfig config, TableRouting routing) {
        this.config = config;
        this.routing = routing;
    }

    @Override
    public StatefulSinkWriter<ChangeRecord, ClickHouseBatch> createWriter(WriterInitContext context)
            throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<ChangeRecord, ClickHouseBatch> restoreWriter(
            WriterInitContext context, Collection<ClickHouseBatch> recoveredState) {
        return new ClickHouseSinkWriter(
                config,
                routing,
                context.getProcessingTimeService(),
                context.metricGroup(),
                "mirror sink " + context.getTaskInfo().getTaskNameWithSubtasks(),
                recoveredState);
    }

    @Override
    public SimpleVersionedSerializer<ClickHouseBatch> getWriterStateSerializer() {
        return new ClickHouseBatch.Serializer();
    }

    @Override
    @Deprecated
    public SinkWriter<ChangeRecord> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }
}
