package io.sluice.connector.clickhouse.sink;

import io.sluice.common.clickhouse.BatchSender;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.connector.clickhouse.ClickHouseEndpoint;
import io.sluice.connector.clickhouse.SinkSettings;
import io.sluice.connector.clickhouse.UpsertTable;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.table.data.RowData;

/**
 * The Sink V2 of the {@code clickhouse} SQL connector: an upsert changelog written as versioned
 * rows of a {@code ReplacingMergeTree(_version)} table ({@link ClickHouseUpsertWriter}). At-least-
 * once delivery (every row before a checkpoint is in ClickHouse or in the writer's state) plus
 * versions that rise with every writer run ({@link SinkVersions}) give exactly-once results for
 * deterministic queries.
 */
public final class ClickHouseUpsertSink
        implements Sink<RowData>, SupportsWriterState<RowData, PendingBatch> {
    private static final long serialVersionUID = 1L;

    private final UpsertTable table;
    private final ClickHouseEndpoint endpoint;
    private final SinkSettings settings;

    public ClickHouseUpsertSink(
            UpsertTable table, ClickHouseEndpoint endpoint, SinkSettings settings) {
        this.table = table;
        this.endpoint = endpoint;
        this.settings = settings;
    }

    @Override
    public StatefulSinkWriter<RowData, PendingBatch> createWriter(WriterInitContext context)
            throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<RowData, PendingBatch> restoreWriter(
            WriterInitContext context, Collection<PendingBatch> recoveredState) throws IOException {
        ClickHouseConnection connection = endpoint.connect(System::getenv);
        try {
            return new ClickHouseUpsertWriter(
                    connection,
                    table,
                    settings,
                    Thread::sleep,
                    context.getProcessingTimeService(),
                    context.metricGroup(),
                    send ->
                            BatchSender.create(
                                    "sluice-clickhouse-sql-writer",
                                    send,
                                    context.getMailboxExecutor(),
                                    PendingBatch::rows,
                                    settings.maxPendingRows()),
                    context.getTaskInfo().getIndexOfThisSubtask(),
                    context.getTaskInfo().getAttemptNumber(),
                    recoveredState);
        } catch (InterruptedException e) {
            connection.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening the ClickHouse sink writer", e);
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    @Override
    public SimpleVersionedSerializer<PendingBatch> getWriterStateSerializer() {
        return new PendingBatch.Serializer();
    }

    @Override
    @Deprecated
    public SinkWriter<RowData> createWriter(InitContext context) {
        throw new UnsupportedOperationException("Flink 1.20 calls createWriter(WriterInitContext)");
    }
}
