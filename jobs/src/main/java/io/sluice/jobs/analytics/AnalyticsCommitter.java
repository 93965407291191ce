package io.sluice.jobs.analytics;

import io.sluice.common.clickhouse.AsyncInserter;
import io.sluice.common.clickhouse.ClickHouseBatch;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;

/**
 * Inserts the batches of a completed checkpoint (the rollup and session tables; see {@link
 * AnalyticsSinkWriter} for the rest) through an {@link AsyncInserter}: retries and their backoff
 * run on the inserter's thread, never as sleeps on the task thread.
 *
 * <p><b>Why {@link #commit} still waits for ClickHouse.</b> A committable leaves Flink's committer
 * state as soon as {@code commit} returns without {@code retryLater()}, so answering before
 * ClickHouse acknowledged the batch could lose it (a later checkpoint would no longer hold it). And
 * Flink 1.20's {@code CommitterOperator} does not come back later to a committable answered with
 * {@code retryLater()}: it calls {@code commit} again at once, up to {@code sink.committer.retries}
 * (10) times in a row, then fails the job. So {@code retryLater()} cannot stand for "the insert is
 * still under way" without either spinning or failing; the committer waits instead, and during a
 * ClickHouse outage the analytics job's checkpoints wait with it (the mirror and the early
 * analytics tables do not).
 *
 * <p>A batch that cannot be inserted (rejected, or transient past {@code sink.max-retries}) fails
 * the job through {@code signalFailedWithUnknownReason}, never {@code signalFailedWithKnownReason},
 * which in Flink 1.20 drops the committable and goes on: the restored job commits it again, and
 * inserting a batch twice is harmless.
 */
final class AnalyticsCommitter implements Committer<ClickHouseBatch> {
    private final ClickHouseConnection clickHouse;
    private final AsyncInserter inserter;

    AnalyticsCommitter(SluiceConfig config, SinkCommitterMetricGroup metrics, String name) {
        this.clickHouse = AnalyticsSetup.connect(config);
        this.inserter =
                new AsyncInserter(
                        name,
                        b -> clickHouse.insertTsv(b.table(), b.columns(), b.tsv()),
                        AsyncInserter.Retry.of(config),
                        4 * config.get(SluiceOptions.SINK_BATCH_BYTES),
                        metrics,
                        AsyncInserter.Counters.of(
                                metrics, "sluiceRowsCommitted", "sluiceCommitRetries"));
    }

    @Override
    public void commit(Collection<CommitRequest<ClickHouseBatch>> requests)
            throws InterruptedException {
        List<Long> tickets = new ArrayList<>(requests.size());
        for (CommitRequest<ClickHouseBatch> request : requests) {
            tickets.add(inserter.submit(request.getCommittable()));
        }
        int i = 0;
        for (CommitRequest<ClickHouseBatch> request : requests) {
            try {
                inserter.awaitInserted(tickets.get(i++));
            } catch (RuntimeException e) {
                request.signalFailedWithUnknownReason(e); // throws: the job fails, keeping it
            }
        }
    }

    @Override
    public void close() {
        try {
            inserter.close();
        } finally {
            clickHouse.close();
        }
    }
}
