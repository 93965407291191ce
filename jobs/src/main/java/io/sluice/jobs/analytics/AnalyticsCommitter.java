package io.sluice.jobs.analytics;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts the batches of a completed checkpoint. A transient failure (connection, 5xx) is retried
 * with backoff up to {@code sink.max-retries} times; anything else fails the job with the server's
 * message, and the restored job commits the batch again. Inserting a batch twice is harmless: same
 * rows, same versions.
 */
final class AnalyticsCommitter implements Committer<AnalyticsBatch> {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsCommitter.class);

    private final ClickHouseConnection clickHouse;
    private final int maxRetries;
    private final long retryBackoffMs;
    private final Counter rowsCommitted;
    private final Counter retries;

    AnalyticsCommitter(SluiceConfig config, SinkCommitterMetricGroup metrics) {
        this.clickHouse = AnalyticsSetup.connect(config);
        this.maxRetries = config.get(SluiceOptions.SINK_MAX_RETRIES);
        this.retryBackoffMs = config.get(SluiceOptions.SINK_RETRY_BACKOFF_MS);
        this.rowsCommitted = metrics.counter("sluiceRowsCommitted");
        this.retries = metrics.counter("sluiceCommitRetries");
    }

    @Override
    public void commit(Collection<CommitRequest<AnalyticsBatch>> requests)
            throws InterruptedException {
        for (CommitRequest<AnalyticsBatch> request : requests) {
            insert(request.getCommittable());
        }
    }

    private void insert(AnalyticsBatch batch) throws InterruptedException {
        long backoff = retryBackoffMs;
        for (int attempt = 0; ; attempt++) {
            try {
                clickHouse.insertTsv(batch.table(), batch.columns(), batch.tsv());
                rowsCommitted.inc(batch.rows());
                return;
            } catch (ClickHouseException e) {
                // Failing the job (rather than discarding the batch) keeps the rows: the restored
                // job commits them again.
                if (!e.retryable() || attempt >= maxRetries) {
                    throw e;
                }
                retries.inc();
                LOG.warn(
                        "Insert of {} rows into {} failed (attempt {} of {}), retrying in {} ms: {}",
                        batch.rows(),
                        batch.table(),
                        attempt + 1,
                        maxRetries,
                        backoff,
                        e.getMessage());
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
    }

    @Override
    public void close() {
        clickHouse.close();
    }
}
