package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import java.io.IOException;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes change records to ClickHouse tables. At-least-once delivery (every batch is flushed before
 * a checkpoint completes, and replayed after a restore) plus versioned rows in ReplacingMergeTree
 * tables give exactly-once results: a replayed change writes the same row, with the same version,
 * again.
 */
public final class ClickHouseSink implements Sink<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final TableRouting routing;

    public ClickHouseSink(SluiceConfig config, TableRouting routing) {
        this.config = config;
        this.routing = routing;
    }

    @Override
    public SinkWriter<ChangeRecord> createWriter(WriterInitContext context) throws IOException {
        return new ClickHouseSinkWriter(
                config, routing, context.getProcessingTimeService(), context.metricGroup());
    }

    @Override
    @Deprecated
    public SinkWriter<ChangeRecord> createWriter(InitContext context) throws IOException {
        return new ClickHouseSinkWriter(
                config, routing, context.getProcessingTimeService(), context.metricGroup());
    }
}
