package io.sluice.jobs.analytics.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The analytics sink operator in Flink's operator harness, against a fake ClickHouse that records
 * each batch: event rows are written before the barrier, rollup rows only once their checkpoint
 * completes; a checkpoint taken while ClickHouse does not answer completes, with the unwritten
 * batches in its state; a restored operator writes them.
 */
class AnalyticsSinkOperatorTest {
    /**
     * What the fake ClickHouse received, per test run (the operator is serialized by the harness).
     */
    private static final Map<String, List<String>> WRITTEN = new ConcurrentHashMap<>();

    /** Closed: ClickHouse answers. Held: every insert waits (a frozen server). */
    private static volatile CountDownLatch clickHouseAnswers = new CountDownLatch(0);

    private final String run = Long.toString(System.nanoTime());

    @AfterEach
    void release() {
        clickHouseAnswers.countDown();
        WRITTEN.remove(run);
    }

    private static SluiceConfig config() {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.events"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.put("sink.flush-interval", Duration.ofHours(1));
        return SluiceConfig.of(v);
    }

    private OneInputStreamOperatorTestHarness<AnalyticsRow, Void> harness() throws Exception {
        String id = run;
        WRITTEN.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
        AnalyticsSinkOperator operator =
                new AnalyticsSinkOperator(
                        config(),
                        List.of(
                                AnalyticsTables.DEAD_LETTERS_TABLE,
                                AnalyticsTables.EVENTS_PER_MINUTE_TABLE),
                        op ->
                                batch -> {
                                    clickHouseAnswers.await();
                                    WRITTEN.get(id)
                                            .add(
                                                    batch.table()
                                                            + ":"
                                                            + new String(
                                                                            batch.tsv(),
                                                                            StandardCharsets.UTF_8)
                                                                    .trim());
                                });
        return new OneInputStreamOperatorTestHarness<>(operator);
    }

    private static StreamRecord<AnalyticsRow> minute(String name, long events, long version) {
        return new StreamRecord<>(
                new AnalyticsRow(
                        AnalyticsTables.EVENTS_PER_MINUTE,
                        "2026-11-30 10:00:00|" + name,
                        version,
                        new String[] {
                            "2026-11-30 10:00:00",
                            name,
                            Long.toString(events),
                            Long.toString(version)
                        }));
    }

    private static StreamRecord<AnalyticsRow> deadLetter(String reason, long version) {
        String[] fields = new String[AnalyticsTables.DEAD_LETTERS_TABLE.columnNames().size()];
        java.util.Arrays.fill(fields, "0");
        fields[1] = reason;
        return new StreamRecord<>(
                new AnalyticsRow(AnalyticsTables.DEAD_LETTERS, "dl" + version, version, fields));
    }

    private List<String> written(int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (WRITTEN.get(run).size() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10); // the sender's thread writes; polled with a deadline
        }
        return List.copyOf(WRITTEN.get(run));
    }

    @Test
    void rollupRowsWaitForTheirCheckpointAndEventRowsDoNot() throws Exception {
        try (OneInputStreamOperatorTestHarness<AnalyticsRow, Void> h = harness()) {
            h.open();
            h.processElement(minute("signup", 1, 10));
            h.processElement(minute("signup", 2, 11)); // the newest row per key wins
            h.processElement(deadLetter("bad json", 12));

            h.prepareSnapshotPreBarrier(1);
            h.snapshot(1, 1);
            assertThat(written(1)).hasSize(1).allMatch(b -> b.startsWith("dead_letters:"));

            h.notifyOfCompletedCheckpoint(1);
            assertThat(written(2))
                    .hasSize(2)
                    .last()
                    .asString()
                    .startsWith("events_per_minute:")
                    .contains("signup\t2\t11")
                    .doesNotContain("signup\t1\t");
        }
    }

    @Test
    void aDeadLetterOfASnapshotRowWaitsForItsCheckpointAsRollupsDo() throws Exception {
        try (OneInputStreamOperatorTestHarness<AnalyticsRow, Void> h = harness()) {
            h.open();
            StreamRecord<AnalyticsRow> ofSnapshot = deadLetter("snapshot row", 20);
            ofSnapshot.getValue().fromSnapshot = true;
            h.processElement(ofSnapshot);
            h.processElement(deadLetter("streamed row", 21));

            h.prepareSnapshotPreBarrier(1);
            h.snapshot(1, 1);
            // A restore may read the snapshot chunk again and no longer find the row: only the
            // streamed row's dead letter is written before the checkpoint completes.
            assertThat(written(1)).hasSize(1).first().asString().contains("streamed row");
            Thread.sleep(200); // nothing more may arrive before the completion
            assertThat(WRITTEN.get(run)).hasSize(1);

            h.notifyOfCompletedCheckpoint(1);
            assertThat(written(2)).hasSize(2).last().asString().contains("snapshot row");
        }
    }

    @Test
    void aCheckpointTakenWhileClickHouseIsFrozenHoldsTheBatchesAndARestoreWritesThem()
            throws Exception {
        clickHouseAnswers = new CountDownLatch(1); // frozen
        OperatorSubtaskState state;
        try (OneInputStreamOperatorTestHarness<AnalyticsRow, Void> h = harness()) {
            h.open();
            h.processElement(deadLetter("bad json", 5));
            h.processElement(minute("login", 7, 6));
            h.prepareSnapshotPreBarrier(1);
            state = h.snapshot(1, 1); // returns although nothing could be written
            assertThat(WRITTEN.get(run)).isEmpty();
        }
        clickHouseAnswers.countDown(); // ClickHouse is back; the job restored checkpoint 1
        try (OneInputStreamOperatorTestHarness<AnalyticsRow, Void> h = harness()) {
            h.initializeState(state);
            h.open();
            List<String> written = written(2);
            assertThat(written).hasSize(2);
            assertThat(written.get(0)).startsWith("dead_letters:").contains("bad json");
            assertThat(written.get(1)).startsWith("events_per_minute:").contains("login\t7\t6");
        }
    }
}
