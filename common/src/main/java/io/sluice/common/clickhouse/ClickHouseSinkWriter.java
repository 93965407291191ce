package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers rows per table and hands a table's batch to the {@link BatchSender} when it reaches
 * {@code sink.batch-rows} or {@code sink.batch-bytes}, every {@code sink.flush-interval}, and in
 * {@link #flush}, which Flink calls before the checkpoint barrier passes the sink. The sender
 * writes batches in order on its own thread ({@link BatchInserter}), retrying transient failures
 * with exponential backoff. A change whose row ClickHouse refuses for what it holds, or whose value
 * its column cannot take, is written to the dead letters with its reason ({@link
 * MirrorDeadLetters}); anything else fails the job with the statement and the server's message. The
 * changes of batches not yet written when a checkpoint is taken are the writer's state ({@link
 * UnwrittenChanges}), so a checkpoint never waits for ClickHouse, and a restored writer writes them
 * first.
 */
final class ClickHouseSinkWriter implements StatefulSinkWriter<ChangeRecord, UnwrittenChanges> {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSinkWriter.class);

    private final ClickHouseStatements clickHouse;
    private final ClickHouseSchema schema;
    private final TableRouting routing;
    private final ProcessingTimeService timeService;
    private final int batchRows;
    private final long batchBytes;
    private final long flushIntervalMs;
    private final BatchInserter inserter;
    private final BatchSender<TableBuffer> sender;

    private final Map<TableId, TableBuffer> buffers = new HashMap<>();

    ClickHouseSinkWriter(
            SluiceConfig config,
            TableRouting routing,
            WriterInitContext context,
            Collection<UnwrittenChanges> restored)
            throws InterruptedException {
        this(
                ClickHouseConnection.connect(config),
                config,
                routing,
                context.getProcessingTimeService(),
                context.metricGroup(),
                sendOnOwnThread(context.getMailboxExecutor(), config),
                restored);
    }

    private static SenderFactory sendOnOwnThread(MailboxExecutor mailbox, SluiceConfig config) {
        return send ->
                BatchSender.create(
                        "sluice-clickhouse-writer",
                        send,
                        mailbox,
                        TableBuffer::size,
                        config.get(ClickHouseSinkOptions.MAX_PENDING_ROWS));
    }

    /** A writer that writes each batch before it goes on (integration tests). */
    @VisibleForTesting
    ClickHouseSinkWriter(
            SluiceConfig config,
            TableRouting routing,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics)
            throws InterruptedException {
        this(
                ClickHouseConnection.connect(config),
                config,
                routing,
                timeService,
                metrics,
                BatchSender::synchronous,
                List.of());
    }

    /** Makes the writer's sender around its send function (a test runs it by hand). */
    @VisibleForTesting
    interface SenderFactory {
        BatchSender<TableBuffer> create(BatchSender.Send<TableBuffer> send);
    }

    /** A writer over the given ClickHouse: a connection, or a unit test's fake. */
    @VisibleForTesting
    ClickHouseSinkWriter(
            ClickHouseStatements clickHouse,
            SluiceConfig config,
            TableRouting routing,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics,
            SenderFactory senders,
            Collection<UnwrittenChanges> restored)
            throws InterruptedException {
        this.clickHouse = clickHouse;
        this.schema = new ClickHouseSchema(clickHouse);
        this.routing = routing;
        this.timeService = timeService;
        this.batchRows = config.get(ClickHouseSinkOptions.BATCH_ROWS);
        this.batchBytes = config.get(ClickHouseSinkOptions.BATCH_BYTES);
        this.flushIntervalMs = config.get(ClickHouseSinkOptions.FLUSH_INTERVAL).toMillis();
        this.inserter = new BatchInserter(clickHouse, RetryPolicy.of(config), metrics);
        this.sender = senders.create(inserter::send);
        metrics.gauge("sluicePendingBatches", sender::pending);
        for (UnwrittenChanges state : restored) {
            for (ChangeRecord r : state.records()) {
                write(r, null);
            }
        }
        scheduleFlush();
    }

    private void scheduleFlush() {
        timeService.registerTimer(
                timeService.getCurrentProcessingTime() + flushIntervalMs,
                time -> {
                    flushAll();
                    scheduleFlush();
                });
    }

    @Override
    public void write(ChangeRecord record, Context context) throws InterruptedException {
        sender.rethrowFailure();
        TableBuffer buffer = buffers.get(record.table());
        if (buffer == null) {
            buffer = open(record.table());
            buffers.put(record.table(), buffer);
        }
        Set<String> missing = buffer.missingColumns(record);
        if (!missing.isEmpty()) {
            buffer = evolve(record.table(), buffer, missing);
        }
        buffer.add(record);
        if (buffer.size() >= batchRows || buffer.bytes() >= batchBytes) {
            flush(buffer);
        }
    }

    /**
     * Adds the columns a record brought (additive schema change), then reopens the table. A column
     * that could not be added fails the job: writing the row without it would lose its value for
     * good (the row's version is written, so a later replay would not bring it back).
     */
    private TableBuffer evolve(TableId table, TableBuffer buffer, Set<String> missing)
            throws InterruptedException {
        flush(buffer);
        Set<String> added = routing.addColumns(schema, table, missing);
        TableBuffer reopened = open(table);
        buffers.put(table, reopened);
        Set<String> stillMissing = new java.util.TreeSet<>(missing);
        stillMissing.removeAll(reopened.columns);
        if (!stillMissing.isEmpty()) {
            throw new IllegalStateException(columnsNotAdded(table, reopened.table, stillMissing));
        }
        LOG.info("Added columns {} to ClickHouse table {}", added, reopened.table);
        return reopened;
    }

    /** Why the job stops for columns it could not add, and how to let it go on. */
    @VisibleForTesting
    String columnsNotAdded(TableId table, String chTable, Set<String> columns) {
        StringBuilder names = new StringBuilder();
        StringBuilder alters = new StringBuilder();
        for (String c : columns) {
            names.append(names.length() == 0 ? "" : ", ").append(visible(c));
            alters.append("\n  ALTER TABLE ")
                    .append(ClickHouseSql.qualified(clickHouse.database(), chTable))
                    .append(" ADD COLUMN ")
                    .append(ClickHouseSql.identifier(c))
                    .append(" Nullable(String);");
        }
        return "Changes of "
                + table
                + " carry columns that ClickHouse table "
                + clickHouse.database()
                + "."
                + chTable
                + " lacks and that could not be added, because Postgres' catalog has no such"
                + " column now: "
                + names
                + ". Either the column was dropped or renamed in Postgres after these changes"
                + " were made, or its name reached Sluice garbled (the names above are shown"
                + " with non-printable and unusual characters as \\uXXXX). The job stops"
                + " instead of writing the rows without those values. To keep the values, add"
                + " the columns by hand and restart the job; they are written as text:"
                + alters;
    }

    /** A name with control characters and those from U+FF80 (a garbled byte) as {@code \\uXXXX}. */
    private static String visible(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 2).append('"');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f || c >= 0xff80) {
                sb.append(String.format("\\u%04X", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private TableBuffer open(TableId table) {
        String chTable = routing.clickHouseTable(table);
        Map<String, String> columns =
                inserter.withRetries(() -> schema.columns(clickHouse.database(), chTable));
        if (columns.isEmpty()) {
            throw new ClickHouseException(
                    ClickHouseSchema.columnsQuery(clickHouse.database(), chTable),
                    60,
                    "table "
                            + clickHouse.database()
                            + "."
                            + chTable
                            + " does not exist (it is created when the job starts; was it dropped?)",
                    false,
                    null);
        }
        return new TableBuffer(
                chTable,
                new ArrayList<>(columns.keySet()),
                new ArrayList<>(columns.values()),
                routing.keyColumns(table));
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        flushAll();
        if (endOfInput) {
            sender.awaitAllWritten();
        }
    }

    private void flushAll() throws InterruptedException {
        for (TableBuffer buffer : List.copyOf(buffers.values())) {
            flush(buffer);
        }
    }

    /** Hands the buffer's batch to the sender and buffers on in an empty copy. */
    private void flush(TableBuffer buffer) throws InterruptedException {
        if (buffer.size() == 0) {
            return;
        }
        for (Map.Entry<TableId, TableBuffer> e : buffers.entrySet()) {
            if (e.getValue() == buffer) {
                e.setValue(buffer.emptyCopy());
            }
        }
        sender.submit(buffer);
    }

    @Override
    public List<UnwrittenChanges> snapshotState(long checkpointId) {
        sender.rethrowFailure();
        List<ChangeRecord> unwritten = new ArrayList<>();
        for (TableBuffer batch : sender.unacknowledged()) {
            unwritten.addAll(batch.records());
        }
        for (TableBuffer buffer : buffers.values()) {
            unwritten.addAll(buffer.records()); // empty after the flush before the barrier
        }
        return unwritten.isEmpty() ? List.of() : List.of(new UnwrittenChanges(unwritten));
    }

    @Override
    public void close() {
        try {
            sender.close();
            routing.close();
        } finally {
            clickHouse.close();
        }
    }
}
