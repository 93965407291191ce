package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import io.sluice.common.config.TableId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.flink.annotation.VisibleForTesting;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buffers rows per table and hands a table's batch to an {@link AsyncInserter} when it reaches
 * {@code sink.batch-rows} or {@code sink.batch-bytes}, every {@code sink.flush-interval-ms}, and in
 * {@link #flush}, which Flink calls before the checkpoint barrier passes the sink. None of these
 * waits for ClickHouse: the inserter inserts in order on its own thread and retries there.
 *
 * <p><b>State.</b> {@link #snapshotState} returns the batches ClickHouse has not acknowledged yet
 * (queued or in flight); the source's position in the same checkpoint is past their changes, so a
 * restored writer submits them before anything else. A checkpoint therefore completes while
 * ClickHouse is unreachable or frozen, and no row is lost. A failed insert (rejected, or transient
 * past {@code sink.max-retries}) is thrown from the next {@link #write}, {@link #flush} or {@link
 * #snapshotState} and fails the job; the restored job inserts those batches again, which is
 * harmless with versioned rows.
 *
 * <p><b>Where the task thread waits</b> (it never sleeps): (1) when the queued batches reach {@code
 * 4 × sink.batch-bytes}, until ClickHouse takes some (backpressure); (2) a flush whose batch has
 * unchanged TOASTed values it could not fill from the batch itself: it reads the current rows from
 * ClickHouse, so every earlier batch must have landed first, and it waits for that and for the
 * lookup (the rare path: an update that leaves a TOASTed column untouched, and whose row has no
 * earlier version in the same batch); (3) the first row of a table and an added column, which read
 * or change the table's schema (through the inserter, after the batches before them); (4) {@code
 * flush(true)} at the end of a bounded input, until everything is inserted.
 */
final class ClickHouseSinkWriter implements StatefulSinkWriter<ChangeRecord, ClickHouseBatch> {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSinkWriter.class);

    private final ClickHouseConnection clickHouse;
    private final TableRouting routing;
    private final ProcessingTimeService timeService;
    private final int batchRows;
    private final long batchBytes;
    private final long flushIntervalMs;
    private final AsyncInserter inserter;

    private final Map<TableId, TableBuffer> buffers = new HashMap<>();

    private final Counter toastFilledFromClickHouse;
    private final Counter toastMissing;
    private final Counter columnsDropped;

    ClickHouseSinkWriter(
            SluiceConfig config,
            TableRouting routing,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics,
            String name,
            Collection<ClickHouseBatch> restored) {
        this(config, routing, timeService, metrics, name, restored, UnaryOperator.identity());
    }

    /** {@code wrapInsert} lets a test hold or observe the inserts to the real server. */
    @VisibleForTesting
    ClickHouseSinkWriter(
            SluiceConfig config,
            TableRouting routing,
            ProcessingTimeService timeService,
            SinkWriterMetricGroup metrics,
            String name,
            Collection<ClickHouseBatch> restored,
            UnaryOperator<AsyncInserter.Insert> wrapInsert) {
        this.clickHouse = ClickHouseConnection.connect(config);
        this.routing = routing;
        this.timeService = timeService;
        this.batchRows = config.get(SluiceOptions.SINK_BATCH_ROWS);
        this.batchBytes = config.get(SluiceOptions.SINK_BATCH_BYTES);
        this.flushIntervalMs = config.get(SluiceOptions.SINK_FLUSH_INTERVAL_MS);
        this.toastFilledFromClickHouse = metrics.counter("sluiceToastFilledFromClickHouse");
        this.toastMissing = metrics.counter("sluiceToastMissing");
        this.columnsDropped = metrics.counter("sluiceColumnsNotWritten");
        this.inserter =
                new AsyncInserter(
                        name,
                        wrapInsert.apply(
                                b -> clickHouse.insertTsv(b.table(), b.columns(), b.tsv())),
                        AsyncInserter.Retry.of(config),
                        4 * batchBytes,
                        metrics,
                        new AsyncInserter.Counters(
                                metrics.getNumRecordsSendCounter(),
                                metrics.getNumBytesSendCounter(),
                                metrics.counter("sluiceBatchesWritten"),
                                metrics.counter("sluiceRetries")));
        metrics.gauge("sluiceLastFlushMillis", inserter::lastInsertMillis);
        if (!restored.isEmpty()) {
            LOG.info(
                    "{}: inserting the {} batches the checkpoint held before any new row",
                    name,
                    restored.size());
            inserter.resubmit(restored);
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
        inserter.checkError();
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
     * Adds the columns a record brought (additive schema change), then reopens the table. Runs
     * through the inserter, after the batches before it, and waits (rare: a schema change).
     */
    private TableBuffer evolve(TableId table, TableBuffer buffer, Set<String> missing)
            throws InterruptedException {
        flush(buffer);
        Set<String> added = inserter.call(() -> routing.addColumns(clickHouse, table, missing));
        TableBuffer reopened = open(table);
        buffers.put(table, reopened);
        Set<String> stillMissing = new java.util.TreeSet<>(missing);
        stillMissing.removeAll(reopened.columns);
        if (!stillMissing.isEmpty()) {
            columnsDropped.inc(stillMissing.size());
            LOG.warn(
                    "Columns {} of {} have no ClickHouse column in {} and could not be added (added: {});"
                            + " their values are not written until they are.",
                    stillMissing,
                    table,
                    reopened.table,
                    added);
        } else {
            LOG.info("Added columns {} to ClickHouse table {}", added, reopened.table);
        }
        return reopened;
    }

    /** Reads the table's columns (once per table and writer, and after a schema change). */
    private TableBuffer open(TableId table) throws InterruptedException {
        String chTable = routing.clickHouseTable(table);
        String sql =
                "SELECT name, type FROM system.columns WHERE database = '"
                        + clickHouse.database()
                        + "' AND table = '"
                        + chTable.replace("'", "\\'")
                        + "'";
        List<List<String>> rows = inserter.call(() -> clickHouse.query(sql));
        if (rows.isEmpty()) {
            throw new ClickHouseException(
                    sql,
                    60,
                    "table "
                            + clickHouse.database()
                            + "."
                            + chTable
                            + " does not exist (it is created when the job starts; was it dropped?)",
                    false,
                    null);
        }
        List<String> names = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (List<String> r : rows) {
            names.add(TsvCodec.unescape(r.get(0)));
            types.add(TsvCodec.unescape(r.get(1)));
        }
        return new TableBuffer(chTable, names, types, routing.keyColumns(table));
    }

    /**
     * Hands every buffer to the inserter without waiting for ClickHouse; at the end of a bounded
     * input, waits until everything is inserted (there may be no checkpoint after it to keep what
     * is still queued).
     */
    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        flushAll();
        if (endOfInput) {
            inserter.awaitAll();
        }
        inserter.checkError();
    }

    @Override
    public List<ClickHouseBatch> snapshotState(long checkpointId) {
        inserter.checkError();
        return inserter.unconfirmed();
    }

    private void flushAll() throws InterruptedException {
        for (TableBuffer buffer : buffers.values()) {
            flush(buffer);
        }
    }

    private void flush(TableBuffer buffer) throws InterruptedException {
        if (buffer.size() == 0) {
            return;
        }
        if (buffer.hasPending()) {
            // The rare path that waits: see the class comment.
            List<String> lookups = buffer.pendingLookupQueries(clickHouse.database());
            List<List<String>> current =
                    inserter.call(
                            () -> {
                                List<List<String>> rows = new ArrayList<>();
                                for (String lookup : lookups) {
                                    rows.addAll(clickHouse.query(lookup));
                                }
                                return rows;
                            });
            int missing = buffer.resolvePending(current);
            toastFilledFromClickHouse.inc(current.size());
            if (missing > 0) {
                toastMissing.inc(missing);
                LOG.warn(
                        "{} unchanged TOASTed values of {} had no earlier row in ClickHouse; they were"
                                + " written as the column default.",
                        missing,
                        buffer.table);
            }
        }
        inserter.submit(
                new ClickHouseBatch(buffer.table, buffer.columns, buffer.size(), buffer.encode()));
        buffer.clear();
    }

    /** Waits until every batch handed over so far is in ClickHouse. */
    @VisibleForTesting
    void awaitInserted() throws InterruptedException {
        inserter.awaitAll();
    }

    @Override
    public void close() {
        try {
            inserter.close();
        } finally {
            try {
                routing.close();
            } finally {
                clickHouse.close();
            }
        }
    }
}
