package io.sluice.jobs.analytics.sink;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.RetryPolicy;
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
    private final RetryPolicy retryPolicy;
    private final Counter rows;
    private final Counter retries;

    AnalyticsInserter(
            SluiceConfig config, MetricGroup metrics, String rowsMetric, String retriesMetric) {
        this.clickHouse = AnalyticsSetup.connect(config);
        this.retryPolicy = RetryPolicy.of(config);
        this.rows = metrics.counter(rowsMetric);
        this.retries = metrics.counter(retriesMetric);
    }

    void insert(AnalyticsBatch batch) throws InterruptedException {
        retryPolicy.run(
                () -> clickHouse.insertTsv(batch.table(), batch.columns(), batch.tsv()),
                (attempt, max, backoff, e) -> {
                    retries.inc();
                    LOG.warn(
                            "Insert of {} rows into {} failed (attempt {} of {}), retrying in {} ms: {}",
                            batch.rows(),
                            batch.table(),
                            attempt,
                            max,
                            backoff,
                            e.getMessage());
                });
        rows.inc(batch.rows());
    }

    @Override
    public void close() {
        clickHouse.close();
    }
}
