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
        byte[] tsv = buffer.encode();
        int rows = buffer.size();
        withRetries(
                () -> {
                    clickHouse.insertTsv(buffer.table, buffer.columns, tsv);
                    return null;
                });
        rowsWritten.inc(rows);
        bytesWritten.inc(tsv.length);
        batchesWritten.inc();
        lastFlushMillis = System.currentTimeMillis() - start;
        LOG.debug(
                "Wrote {} rows ({} bytes) to {} in {} ms",
                rows,
                tsv.length,
                buffer.table,
                lastFlushMillis);
    }

    /**
     * The request's result, after retrying its transient failures (each one counted and logged).
     */
    <T> T withRetries(Supplier<T> request) {
        return retryPolicy.call(request, RetryPolicy.countedAndLogged(retries, LOG));
    }
}
