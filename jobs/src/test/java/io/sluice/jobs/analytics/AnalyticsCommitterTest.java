package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ClickHouseBatch;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The committer with a fake insert function standing in for ClickHouse: a commit answers only once
 * ClickHouse has its batches (a committable that leaves Flink's state unacknowledged would be
 * lost), retries happen on the inserter's thread, and a batch that cannot be inserted fails the job
 * instead of being dropped.
 */
class AnalyticsCommitterTest {
    private final List<String> inserted = new CopyOnWriteArrayList<>();

    private static SluiceConfig config() {
        Map<String, Object> v = new HashMap<>();
        v.put(SluiceOptions.PG_DATABASE.key(), "unused");
        v.put(SluiceOptions.PG_USER.key(), "unused");
        v.put(SluiceOptions.PG_TABLES.key(), List.of("events"));
        v.put(SluiceOptions.CH_URL.key(), "http://unused:8123");
        v.put(SluiceOptions.CH_DATABASE.key(), "unused");
        v.put(SluiceOptions.SINK_RETRY_BACKOFF_MS.key(), 1L);
        v.put(SluiceOptions.SINK_MAX_RETRIES.key(), 3);
        return SluiceConfig.of(v);
    }

    private static ClickHouseBatch batch(String table) {
        return new ClickHouseBatch(
                table, List.of("k"), 1, (table + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCommitAnswersOnceClickHouseHasTheBatchesAfterRetriesOnTheInsertersThread()
            throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        try (AnalyticsCommitter committer =
                new AnalyticsCommitter(
                        config(),
                        new UnregisteredMetricsGroup(),
                        "test",
                        b -> {
                            if (attempts.incrementAndGet() == 1) {
                                throw new ClickHouseException("INSERT", 0, "refused", true, null);
                            }
                            inserted.add(b.table() + "@" + Thread.currentThread().getName());
                        },
                        () -> {})) {
            Request a = new Request(batch("sessions"));
            Request b = new Request(batch("events_per_minute"));
            committer.commit(List.of(a, b));
            assertThat(inserted)
                    .containsExactly(
                            "sessions@clickhouse-inserter test",
                            "events_per_minute@clickhouse-inserter test");
            assertThat(a.outcome).as("neither retryLater nor failed: committed").isNull();
            assertThat(b.outcome).isNull();
        }
    }

    @Test
    void aBatchThatCannotBeInsertedFailsTheJobInsteadOfBeingDropped() throws Exception {
        try (AnalyticsCommitter committer =
                new AnalyticsCommitter(
                        config(),
                        new UnregisteredMetricsGroup(),
                        "test",
                        b -> {
                            throw new ClickHouseException(
                                    "INSERT INTO sessions", 27, "Cannot parse", false, null);
                        },
                        () -> {})) {
            Request a = new Request(batch("sessions"));
            assertThatThrownBy(() -> committer.commit(List.of(a)))
                    .hasMessageContaining("Failed to commit")
                    .cause()
                    .isInstanceOf(ClickHouseException.class)
                    .hasMessageContaining("Cannot parse");
            assertThat(a.outcome).isEqualTo("failed with unknown reason");
        }
    }

    /** Records what the committer answered, as Flink's request does (minus its bookkeeping). */
    private static final class Request implements Committer.CommitRequest<ClickHouseBatch> {
        final ClickHouseBatch batch;
        String outcome;

        Request(ClickHouseBatch batch) {
            this.batch = batch;
        }

        @Override
        public ClickHouseBatch getCommittable() {
            return batch;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            outcome = "failed with known reason (dropped by Flink 1.20)";
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            outcome = "failed with unknown reason";
            throw new IllegalStateException("Failed to commit " + batch, t);
        }

        @Override
        public void retryLater() {
            outcome = "retry later";
        }

        @Override
        public void updateAndRetryLater(ClickHouseBatch committable) {
            outcome = "retry later";
        }

        @Override
        public void signalAlreadyCommitted() {
            outcome = "already committed";
        }
    }
}
