package io.sluice.connector.clickhouse.sink;

import io.sluice.common.clickhouse.BatchSender;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseStatements;
import io.sluice.common.clickhouse.RetryPolicy;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.connector.clickhouse.SinkSettings;
import io.sluice.connector.clickhouse.UpsertTable;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.table.data.RowData;
import org.apache.flink.types.RowKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the upsert changelog of one subtask to its ClickHouse table.
 *
 * <p>Opening: creates the table from the Flink schema if it is missing, else checks that its
 * columns fit ({@link UpsertTable#mismatch}); takes this run's generation ({@link
 * WriterGenerations}); then hands the restored batches to the sender, before any new row.
 *
 * <p>Writing: each change is encoded at once ({@link ChangelogRows}) with the next version of this
 * run ({@link SinkVersions}) into the open batch, which goes to the {@link BatchSender} when it has
 * {@code sink.batch-rows} rows, every {@code sink.flush-interval}, and in {@link #flush}, which
 * Flink calls before the checkpoint barrier passes the sink. The sender writes batches in order on
 * its own thread, retrying transient failures ({@link RetryPolicy}); a batch that fails for good
 * fails the job at the writer's next call. Batches the sender has not written yet are the writer's
 * state ({@link #snapshotState}), so a checkpoint never waits for ClickHouse, yet completes only
 * with every row before it either in ClickHouse or in the checkpoint.
 */
final class ClickHouseUpsertWriter implements StatefulSinkWriter<RowData, PendingBatch> {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseUpsertWriter.class);

    /** Makes the writer's sender around its send function (a test runs it by hand). */
    @VisibleForTesting
    interface SenderFactory {
        BatchSender<PendingBatch> create(BatchSender.Send<PendingBatch> send);
    }

    private final ClickHouseStatements clickHouse;
    private final UpsertTable table;
    private final ProcessingTimeService timeService;
    private final int batchRows;
    private final long flushIntervalMs;
    private final RetryPolicy retryPolicy;
    private final BatchSender<PendingBatch> sender;
    private final SinkVersions versions;
    private final ChangelogRows rows;
    private final List<String> insertColumns;

    private final Counter rowsWritten;
    private final Counter bytesWritten;
    private final Counter retries;

    private ByteArrayOutputStream open = new ByteArrayOutputStream(1 << 16);
    private int openRows;

    ClickHouseUpsertWriter(
            ClickHouseStatements clickHouse,
            UpsertTable table,
            SinkSettings settings,
            RetryPolicy.Sleeper sleeper,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics,
            SenderFactory senders,
            int subtask,
            int attempt,
            Collection<PendingBatch> restored)
            throws InterruptedException {
        this.clickHouse = clickHouse;
        this.table = table;
        this.timeService = timeService;
        this.batchRows = settings.batchRows();
        this.flushIntervalMs = settings.flushIntervalMs();
        this.retryPolicy =
                new RetryPolicy(settings.maxRetries(), settings.retryBackoffMs(), sleeper);
        this.rowsWritten = metrics.getNumRecordsSendCounter();
        this.bytesWritten = metrics.getNumBytesSendCounter();
        this.retries = metrics.counter("sluiceRetries");
        this.insertColumns = table.insertColumns();

        ClickHouseSchema schema = new ClickHouseSchema(clickHouse);
        LinkedHashMap<String, String> columns = withRetries(() -> openTable(schema));
        this.rows = new ChangelogRows(table, columns);
        long generation =
                withRetries(
                        () ->
                                new WriterGenerations(clickHouse, table)
                                        .takeNext(schema, subtask, attempt));
        this.versions = new SinkVersions(generation);
        LOG.info(
                "ClickHouse sink writer {} (attempt {}) writes {}.{} in generation {}",
                subtask,
                attempt,
                table.database(),
                table.table(),
                generation);

        this.sender = senders.create(this::send);
        metrics.gauge("sluicePendingBatches", sender::pending);
        metrics.gauge("sluiceWriterGeneration", versions::generation);
        for (PendingBatch batch : restored) {
            sender.submit(batch);
        }
        scheduleFlush();
    }

    /** Creates the table or checks the existing one; its columns, name to ClickHouse type. */
    private LinkedHashMap<String, String> openTable(ClickHouseSchema schema) {
        ServerVersion server = schema.serverVersion();
        LinkedHashMap<String, String> columns = schema.columns(table.database(), table.table());
        if (columns.isEmpty()) {
            schema.createTable(table.createTableSql(server));
            LOG.info("Created ClickHouse table {}.{}", table.database(), table.table());
            columns = schema.columns(table.database(), table.table());
        }
        String engine = schema.tableEngine(table.database(), table.table()).orElse("(none)");
        Optional<String> mismatch = table.mismatch(columns, engine, server);
        if (mismatch.isPresent()) {
            throw new IllegalStateException(mismatch.get());
        }
        return columns;
    }

    private void scheduleFlush() {
        timeService.registerTimer(
                timeService.getCurrentProcessingTime() + flushIntervalMs,
                time -> {
                    handOver();
                    scheduleFlush();
                });
    }

    @Override
    public void write(RowData change, Context context) throws InterruptedException {
        sender.rethrowFailure();
        // -U writes nothing and takes no version.
        if (change.getRowKind() == RowKind.UPDATE_BEFORE) {
            return;
        }
        rows.encode(change, versions.next(), open);
        if (++openRows >= batchRows) {
            handOver();
        }
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        handOver();
        if (endOfInput) {
            sender.awaitAllWritten();
        }
    }

    /** Hands the open batch to the sender and starts a new one. */
    private void handOver() throws InterruptedException {
        if (openRows == 0) {
            sender.rethrowFailure();
            return;
        }
        PendingBatch batch = new PendingBatch(insertColumns, openRows, open.toByteArray());
        open = new ByteArrayOutputStream(Math.max(1 << 16, batch.tsv().length));
        openRows = 0;
        sender.submit(batch);
    }

    /** Writes one batch (the sender's thread). */
    private void send(PendingBatch batch) {
        withRetries(
                () -> {
                    clickHouse.insertTsv(table.table(), batch.columns(), batch.tsv());
                    return null;
                });
        rowsWritten.inc(batch.rows());
        bytesWritten.inc(batch.tsv().length);
    }

    private <T> T withRetries(Supplier<T> request) {
        return retryPolicy.call(request, RetryPolicy.countedAndLogged(retries, LOG));
    }

    @Override
    public List<PendingBatch> snapshotState(long checkpointId) {
        sender.rethrowFailure();
        List<PendingBatch> state = new ArrayList<>(sender.unacknowledged());
        if (openRows > 0) { // empty after the flush before the barrier
            state.add(new PendingBatch(insertColumns, openRows, open.toByteArray()));
        }
        return state;
    }

    @VisibleForTesting
    long generation() {
        return versions.generation();
    }

    @Override
    public void close() {
        try {
            if (sender != null) {
                sender.close();
            }
        } finally {
            clickHouse.close();
        }
    }
}
