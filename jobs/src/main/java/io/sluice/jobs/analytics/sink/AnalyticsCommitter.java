package io.sluice.jobs.analytics.sink;

import io.sluice.common.config.SluiceConfig;
import java.util.Collection;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.groups.SinkCommitterMetricGroup;

/**
 * Inserts the batches of a completed checkpoint (the rollup and session tables; see {@link
 * AnalyticsSinkWriter} for the rest). Failing the job rather than discarding a batch keeps the
 * rows: the restored job commits them again, and inserting a batch twice is harmless.
 */
public final class AnalyticsCommitter implements Committer<AnalyticsBatch> {
    private final AnalyticsInserter inserter;

    AnalyticsCommitter(SluiceConfig config, SinkCommitterMetricGroup metrics) {
        this.inserter =
                new AnalyticsInserter(
                        config, metrics, "sluiceRowsCommitted", "sluiceCommitRetries");
    }

    @Override
    public void commit(Collection<CommitRequest<AnalyticsBatch>> requests)
            throws InterruptedException {
        for (CommitRequest<AnalyticsBatch> request : requests) {
            inserter.insert(request.getCommittable());
        }
    }

    @Override
    public void close() {
        inserter.close();
    }
}
