package io.sluice.common.clickhouse;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How {@link ClickHouseSinkWriter} writes one table's batch, on the {@link BatchSender}'s thread:
 * unchanged TOASTed values are filled from the rows already in ClickHouse, then the batch is
 * inserted. Every request, the writer's own schema reads included, is retried by the {@link
 * RetryPolicy}; rows, bytes, batches, retries and TOAST lookups are counted in the writer's
 * metrics.
 */
final class BatchInserter {
    // The writer's logger, so that these lines read as before in the logs.
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSinkWriter.class);

    private final ClickHouseStatements clickHouse;
    private final RetryPolicy retryPolicy;

    private final Counter rowsWritten;
    private final Counter bytesWritten;
    private final Counter batchesWritten;
    private final Counter retries;
    private final Counter toastFilledFromClickHouse;
    private final Counter toastMissing;
    private final Counter deadLetters;
    private boolean deadLetterTableReady;
    private volatile long lastFlushMillis;

    BatchInserter(
            ClickHouseStatements clickHouse,
            RetryPolicy retryPolicy,
            SinkWriterMetricGroup metrics) {
        this.clickHouse = clickHouse;
        this.retryPolicy = retryPolicy;
        this.rowsWritten = metrics.getNumRecordsSendCounter();
        this.bytesWritten = metrics.getNumBytesSendCounter();
        this.batchesWritten = metrics.counter("sluiceBatchesWritten");
        this.retries = metrics.counter("sluiceRetries");
        this.toastFilledFromClickHouse = metrics.counter("sluiceToastFilledFromClickHouse");
        this.toastMissing = metrics.counter("sluiceToastMissing");
        this.deadLetters = metrics.counter("sluiceDeadLetters");
        metrics.gauge("sluiceLastFlushMillis", () -> lastFlushMillis);
    }

    /** Writes one batch (the sender's thread): TOAST lookups, then the insert. */
    void send(TableBuffer buffer) {
        long start = System.currentTimeMillis();
        if (buffer.hasPending()) {
            List<List<String>> current = new ArrayList<>();
            for (String lookup : buffer.pendingLookupQueries(clickHouse.database())) {
                current.addAll(withRetries(() -> clickHouse.query(lookup)));
            }
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
        List<MirrorDeadLetters.Letter> letters = new ArrayList<>(buffer.rejected());
        int rows = buffer.rowCount();
        long bytes = rows == 0 ? 0 : insert(buffer, 0, rows, letters);
        if (!letters.isEmpty()) {
            writeDeadLetters(buffer.table, letters);
        }
        batchesWritten.inc();
        lastFlushMillis = System.currentTimeMillis() - start;
        LOG.debug(
                "Wrote {} rows ({} bytes) to {} in {} ms",
                rows - (letters.size() - buffer.rejected().size()),
                bytes,
                buffer.table,
                lastFlushMillis);
    }

    /**
     * Inserts rows {@code from..to} of the buffer; returns the bytes written. When ClickHouse
     * refuses them for what a row holds ({@link MirrorDeadLetters#isRowError}), each half is tried
     * on its own, down to single rows, and a row refused alone becomes a dead letter: the inserts
     * are versioned, so rows written twice on the way are the same rows.
     */
    private long insert(
            TableBuffer buffer, int from, int to, List<MirrorDeadLetters.Letter> letters) {
        byte[] tsv = buffer.encode(from, to);
        try {
            withRetries(
                    () -> {
                        clickHouse.insertTsv(buffer.table, buffer.columns, tsv);
                        return null;
                    });
            rowsWritten.inc(to - from);
            bytesWritten.inc(tsv.length);
            return tsv.length;
        } catch (ClickHouseException e) {
            if (!MirrorDeadLetters.isRowError(e)) {
                throw e;
            }
            if (to - from == 1) {
                letters.add(
                        buffer.letter(
                                buffer.changeOfRow(from),
                                "ClickHouse refused the row (code "
                                        + e.code()
                                        + "): "
                                        + e.serverMessage()));
                return 0;
            }
            int mid = (from + to) >>> 1;
            return insert(buffer, from, mid, letters) + insert(buffer, mid, to, letters);
        }
    }

    /** Writes the letters to the dead-letter table (made on first use); a failure fails the job. */
    private void writeDeadLetters(String table, List<MirrorDeadLetters.Letter> letters) {
        if (!deadLetterTableReady) {
            withRetries(
                    () -> {
                        new ClickHouseSchema(clickHouse)
                                .createTable(MirrorDeadLetters.createTable(clickHouse.database()));
                        return null;
                    });
            deadLetterTableReady = true;
        }
        byte[] tsv = MirrorDeadLetters.encode(letters);
        withRetries(
                () -> {
                    clickHouse.insertTsv(MirrorDeadLetters.TABLE, MirrorDeadLetters.COLUMNS, tsv);
                    return null;
                });
        deadLetters.inc(letters.size());
        // The reasons name columns and types, never values (personal data).
        LOG.warn(
                "{} change(s) for ClickHouse table {} were not written there and went to {}.{}"
                        + " with their reason; the first: {}",
                letters.size(),
                table,
                clickHouse.database(),
                MirrorDeadLetters.TABLE,
                letters.get(0).reason());
    }

    /**
     * The request's result, after retrying its transient failures (each one counted and logged).
     */
    <T> T withRetries(Supplier<T> request) {
        return retryPolicy.call(request, RetryPolicy.countedAndLogged(retries, LOG));
    }
}
