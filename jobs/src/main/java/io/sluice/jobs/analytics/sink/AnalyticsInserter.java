package io.sluice.jobs.analytics.sink;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Inserts encoded analytics batches. A transient failure (connection, 5xx) is retried with backoff
 * up to {@code sink.max-retries} times; anything else fails the job with the server's message (the
 * restored job writes the rows again; same rows, same versions, so no harm).
 */
public final class AnalyticsInserter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsInserter.class);

    private final ClickHouseConnection clickHouse;
    private final int maxRetries;
    private final long retryBackoffMs;
    private final Counter rows;
    private final Counter retries;

    AnalyticsInserter(
            SluiceConfig config, MetricGroup metrics, String rowsMetric, String retriesMetric) {
        this.clickHouse = AnalyticsSetup.connect(config);
        this.maxRetries = config.get(ClickHouseSinkOptions.MAX_RETRIES);
        this.retryBackoffMs = config.get(ClickHouseSinkOptions.RETRY_BACKOFF).toMillis();
        this.rows = metrics.counter(rowsMetric);
        this.retries = metrics.counter(retriesMetric);
    }

    void insert(AnalyticsBatch batch) throws InterruptedException {
        long backoff = retryBackoffMs;
        for (int attempt = 0; ; attempt++) {
            try {
                clickHouse.insertTsv(batch.table(), batch.columns(), batch.tsv());
                rows.inc(batch.rows());
                return;
            } catch (ClickHouseException e) {
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
