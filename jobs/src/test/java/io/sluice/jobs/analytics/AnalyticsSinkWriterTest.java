package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.AsyncInserter;
import io.sluice.common.clickhouse.ClickHouseBatch;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.Test;

/**
 * The analytics writer with a fake insert function standing in for ClickHouse: early tables go to
 * the inserter at the flush interval without waiting for it, rows not yet acknowledged are the
 * writer's state and a restored writer inserts them first, rollups wait for the commit, and a
 * failed insert fails the next write.
 */
class AnalyticsSinkWriterTest {
    private static final Map<String, List<String>> COLUMNS =
            Map.of(
                    AnalyticsTables.EVENTS, List.of("event_id", "_version"),
                    AnalyticsTables.SESSIONS, List.of("session_id", "_version"));

    private final List<String> inserted = new CopyOnWriteArrayList<>();
    private final CountDownLatch open = new CountDownLatch(1);
    private final TestProcessingTimeService time = new TestProcessingTimeService();

    private static SluiceConfig config() {
        Map<String, Object> v = new HashMap<>();
        v.put(SluiceOptions.PG_DATABASE.key(), "unused");
        v.put(SluiceOptions.PG_USER.key(), "unused");
        v.put(SluiceOptions.PG_TABLES.key(), List.of("events"));
        v.put(SluiceOptions.CH_URL.key(), "http://unused:8123");
        v.put(SluiceOptions.CH_DATABASE.key(), "unused");
        v.put(SluiceOptions.SINK_FLUSH_INTERVAL_MS.key(), 1_000L);
        v.put(SluiceOptions.SINK_RETRY_BACKOFF_MS.key(), 1L);
        v.put(SluiceOptions.SINK_MAX_RETRIES.key(), 0);
        return SluiceConfig.of(v);
    }

    private AnalyticsSinkWriter writer(List<ClickHouseBatch> restored, AsyncInserter.Insert insert)
            throws Exception {
        time.setCurrentTime(0);
        return new AnalyticsSinkWriter(
                COLUMNS,
                UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                config(),
                time,
                "test",
                insert,
                () -> {},
                restored);
    }

    /** Inserts only once the test opens the gate, as a frozen ClickHouse would. */
    private void heldInsert(ClickHouseBatch batch) {
        try {
            open.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClickHouseException("INSERT", 0, "closed", true, e);
        }
        inserted.add(batch.table() + ":" + new String(batch.tsv(), StandardCharsets.UTF_8));
    }

    private static AnalyticsRow row(String table, String key, long version) {
        return new AnalyticsRow(table, key, version, new String[] {key, Long.toString(version)});
    }

    @Test
    void earlyRowsGoOutAtTheFlushIntervalWithoutWaitingAndStayInStateUntilAcknowledged()
            throws Exception {
        List<ClickHouseBatch> state;
        try (AnalyticsSinkWriter w = writer(List.of(), this::heldInsert)) {
            w.write(row(AnalyticsTables.EVENTS, "e1", 10), null);
            w.write(row(AnalyticsTables.SESSIONS, "s1", 10), null);
            time.setCurrentTime(1_000); // the flush timer: hands over, does not wait
            w.write(row(AnalyticsTables.EVENTS, "e2", 11), null);
            w.flush(false); // before the barrier: does not wait either
            assertThat(w.prepareCommit())
                    .as("rollup and session rows wait for the checkpoint")
                    .extracting(ClickHouseBatch::table)
                    .containsExactly(AnalyticsTables.SESSIONS);
            state = w.snapshotState(1);
        }
        assertThat(inserted).isEmpty();
        assertThat(state)
                .extracting(b -> new String(b.tsv(), StandardCharsets.UTF_8))
                .containsExactly("e1\t10\n", "e2\t11\n");

        ClickHouseBatch.Serializer serializer = new ClickHouseBatch.Serializer();
        List<ClickHouseBatch> restored = new ArrayList<>();
        for (ClickHouseBatch b : state) {
            restored.add(serializer.deserialize(serializer.getVersion(), serializer.serialize(b)));
        }
        open.countDown();
        try (AnalyticsSinkWriter w = writer(restored, this::heldInsert)) {
            w.write(row(AnalyticsTables.EVENTS, "e3", 12), null);
            w.flush(true);
            assertThat(w.snapshotState(2)).isEmpty();
        }
        assertThat(inserted)
                .containsExactly("events:e1\t10\n", "events:e2\t11\n", "events:e3\t12\n");
    }

    @Test
    void aFailedInsertFailsTheNextWriteAndTheNextSnapshot() throws Exception {
        try (AnalyticsSinkWriter w =
                writer(
                        List.of(),
                        b -> {
                            throw new ClickHouseException(
                                    "INSERT INTO events", 27, "Cannot parse input", false, null);
                        })) {
            w.write(row(AnalyticsTables.EVENTS, "e1", 10), null);
            try {
                w.flush(false); // hands the batch over; throws if the failure is already known
            } catch (ClickHouseException alreadyFailed) {
                assertThat(alreadyFailed).hasMessageContaining("Cannot parse input");
            }
            // The failure arrives on the inserter's thread; wait for it, then it is thrown here.
            assertThatThrownBy(w::awaitInserted).hasMessageContaining("Cannot parse input");
            assertThatThrownBy(() -> w.write(row(AnalyticsTables.EVENTS, "e2", 11), null))
                    .isInstanceOf(ClickHouseException.class)
                    .hasMessageContaining("Cannot parse input");
            assertThatThrownBy(() -> w.snapshotState(1)).hasMessageContaining("Cannot parse");
        }
    }
}
