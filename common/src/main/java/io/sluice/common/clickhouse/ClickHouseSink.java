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
 * Writes change records to ClickHouse tables. At-least-once delivery (every change is written, or
 * held in the writer's checkpoint state, before a checkpoint completes, and replayed after a
 * restore) plus versioned rows in ReplacingMergeTree tables give exactly-once results: a replayed
 * change writes the same row, with the same version, again.
 */
public final class ClickHouseSink
        implements Sink<ChangeRecord>, SupportsWriterState<ChangeRecord, UnwrittenChanges> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final TableRouting routing;

    public ClickHouseSink(SluiceConfig config, TableRouting routing) {
        this.config = config;
        this.routing = routing;
    }

    @Override
    public StatefulSinkWriter<ChangeRecord, UnwrittenChanges> createWriter(
            WriterInitContext context) throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<ChangeRecord, UnwrittenChanges> restoreWriter(
            WriterInitContext context, Collection<UnwrittenChanges> recoveredState)
            throws IOException {
        try {
            return new ClickHouseSinkWriter(config, routing, context, recoveredState);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while restoring the sink writer", e);
        }
    }

    @Override
    public SimpleVersionedSerializer<UnwrittenChanges> getWriterStateSerializer() {
        return new UnwrittenChanges.Serializer();
    }

    @Override
    @Deprecated
    public SinkWriter<ChangeRecord> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }
}
