package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The inserter with a fake insert function standing in for ClickHouse: order, retries on its own
 * thread, failures surfaced to the submitter, the unconfirmed batches for the checkpoint, and the
 * bound on queued bytes.
 */
class AsyncInserterTest {
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final SimpleCounter rows = new SimpleCounter();
    private final SimpleCounter retries = new SimpleCounter();
    private AsyncInserter inserter;

    @AfterEach
    void close() {
        if (inserter != null) {
            inserter.close();
        }
    }

    private AsyncInserter inserter(AsyncInserter.Insert insert, int maxRetries, long maxBytes) {
        inserter =
                new AsyncInserter(
                        "test",
                        insert,
                        new AsyncInserter.Retry(maxRetries, 1),
                        maxBytes,
                        new UnregisteredMetricsGroup(),
                        new AsyncInserter.Counters(
                                rows, new SimpleCounter(), new SimpleCounter(), retries));
        return inserter;
    }

    private static ClickHouseBatch batch(String table, String tsv) {
        return new ClickHouseBatch(
                table,
                List.of("id"),
                (int) tsv.chars().filter(c -> c == '\n').count(),
                tsv.getBytes(StandardCharsets.UTF_8));
    }

    private static ClickHouseException transientFailure() {
        return new ClickHouseException("INSERT", 0, "connection refused", true, null);
    }

    @Test
    void insertsInSubmissionOrderOnItsOwnThread() throws Exception {
        String caller = Thread.currentThread().getName();
        AsyncInserter in =
                inserter(
                        b -> log.add(b.table() + "@" + Thread.currentThread().getName()),
                        0,
                        1 << 20);
        in.submit(batch("a", "1\n"));
        in.submit(batch("b", "2\n3\n"));
        long last = in.submit(batch("a", "4\n"));
        in.awaitInserted(last);
        assertThat(log)
                .containsExactly(
                        "a@clickhouse-inserter test",
                        "b@clickhouse-inserter test",
                        "a@clickhouse-inserter test");
        assertThat(caller).isNotEqualTo("clickhouse-inserter test");
        assertThat(rows.getCount()).isEqualTo(4);
        assertThat(in.unconfirmed()).isEmpty();
        assertThat(in.queuedBytes()).isZero();
    }

    @Test
    void submitDoesNotWaitAndUnconfirmedHoldsQueuedAndInFlightBatches() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AsyncInserter in =
                inserter(
                        b -> {
                            entered.countDown();
                            await(release);
                            log.add(b.table());
                        },
                        0,
                        1 << 20);
        long first = in.submit(batch("a", "1\n"));
        long second = in.submit(batch("b", "2\n"));
        entered.await();
        assertThat(in.unconfirmed())
                .as("the batch in flight is not confirmed yet")
                .containsExactly(batch("a", "1\n"), batch("b", "2\n"));
        assertThat(in.queuedBatches()).isEqualTo(2);
        assertThat(in.queuedBytes()).isEqualTo(4);
        assertThat(in.isInserted(first)).isFalse();
        release.countDown();
        in.awaitInserted(second);
        assertThat(in.isInserted(first)).isTrue();
        assertThat(in.unconfirmed()).isEmpty();
        assertThat(log).containsExactly("a", "b");
    }

    @Test
    void transientFailuresAreRetriedOnTheInsertersThread() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncInserter in =
                inserter(
                        b -> {
                            if (attempts.incrementAndGet() <= 2) {
                                throw transientFailure();
                            }
                            log.add(b.table());
                        },
                        2,
                        1 << 20);
        in.awaitInserted(in.submit(batch("a", "1\n")));
        assertThat(log).containsExactly("a");
        assertThat(retries.getCount()).isEqualTo(2);
    }

    @Test
    void aTransientFailurePastMaxRetriesStopsTheInserterAndIsThrownToTheSubmitter()
            throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncInserter in =
                inserter(
                        b -> {
                            attempts.incrementAndGet();
                            throw transientFailure();
                        },
                        3,
                        1 << 20);
        long ticket = in.submit(batch("a", "1\n"));
        assertThatThrownBy(() -> in.awaitInserted(ticket))
                .isInstanceOf(ClickHouseException.class)
                .hasMessageContaining("connection refused");
        assertThat(attempts.get()).as("the first attempt and 3 retries").isEqualTo(4);
        assertThatThrownBy(in::checkError).hasMessageContaining("connection refused");
        assertThatThrownBy(() -> in.submit(batch("b", "2\n")))
                .hasMessageContaining("connection refused");
        assertThat(in.unconfirmed())
                .as("the failed batch stays for the checkpoint of a retry")
                .containsExactly(batch("a", "1\n"));
    }

    @Test
    void aRejectedStatementIsNotRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncInserter in =
                inserter(
                        b -> {
                            attempts.incrementAndGet();
                            throw new ClickHouseException(
                                    "INSERT", 27, "Cannot parse", false, null);
                        },
                        5,
                        1 << 20);
        long ticket = in.submit(batch("a", "x\n"));
        assertThatThrownBy(() -> in.awaitInserted(ticket)).hasMessageContaining("Cannot parse");
        assertThat(attempts.get()).isEqualTo(1);
        assertThat(retries.getCount()).isZero();
    }

    @Test
    void submitWaitsWhileTheQueuedBytesAreAtTheirBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AsyncInserter in = inserter(b -> await(release), 0, 10);
        in.submit(batch("a", "12345\n")); // 6 bytes: at least one batch is always taken
        CompletableFuture<Long> second =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return in.submit(batch("b", "12345\n"));
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        assertThatThrownBy(() -> second.get(300, TimeUnit.MILLISECONDS))
                .as("6 + 6 bytes exceed the bound of 10 while the first is not inserted")
                .isInstanceOf(TimeoutException.class);
        release.countDown();
        in.awaitInserted(second.get(10, TimeUnit.SECONDS));
        assertThat(in.queuedBytes()).isZero();
    }

    @Test
    void aCallRunsAfterTheBatchesBeforeItAndReturnsItsAnswer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AsyncInserter in =
                inserter(
                        b -> {
                            await(release);
                            log.add("insert " + b.table());
                        },
                        0,
                        1 << 20);
        in.submit(batch("a", "1\n"));
        CompletableFuture<String> answer =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return in.call(
                                        () -> {
                                            log.add("lookup");
                                            return "current row";
                                        });
                            } catch (InterruptedException e) {
                                throw new IllegalStateException(e);
                            }
                        });
        release.countDown();
        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo("current row");
        assertThat(log).containsExactly("insert a", "lookup");
    }

    @Test
    void aFailedCallIsThrownToItsCallerOnlyAndTransientOnesAreRetried() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AsyncInserter in = inserter(b -> log.add(b.table()), 2, 1 << 20);
        assertThat(
                        in.call(
                                () -> {
                                    if (attempts.incrementAndGet() == 1) {
                                        throw transientFailure();
                                    }
                                    return 7;
                                }))
                .isEqualTo(7);
        assertThatThrownBy(
                        () ->
                                in.call(
                                        () -> {
                                            throw new ClickHouseException(
                                                    "SELECT", 60, "no table", false, null);
                                        }))
                .hasMessageContaining("no table");
        in.awaitInserted(in.submit(batch("a", "1\n")));
        assertThat(log).containsExactly("a");
    }

    @Test
    void restoredBatchesGoFirst() throws Exception {
        AsyncInserter in = inserter(b -> log.add(b.table()), 0, 1);
        in.resubmit(List.of(batch("r1", "1\n"), batch("r2", "2\n")));
        in.awaitInserted(in.submit(batch("new", "3\n")));
        assertThat(log).containsExactly("r1", "r2", "new");
    }

    @Test
    void closeEndsARetryPauseAtOnce() throws Exception {
        CountDownLatch failed = new CountDownLatch(1);
        AsyncInserter in =
                new AsyncInserter(
                        "test",
                        b -> {
                            failed.countDown();
                            throw transientFailure();
                        },
                        new AsyncInserter.Retry(10, 60_000),
                        1 << 20,
                        new UnregisteredMetricsGroup(),
                        new AsyncInserter.Counters(rows, rows, rows, retries));
        in.submit(batch("a", "1\n"));
        failed.await();
        long start = System.nanoTime();
        in.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(5_000);
        assertThatThrownBy(() -> in.submit(batch("b", "2\n"))).hasMessageContaining("closed");
    }

    @Test
    void theBackoffDoublesUpTo30Seconds() {
        AsyncInserter.Retry retry = new AsyncInserter.Retry(20, 200);
        assertThat(retry.delayMs(1)).isEqualTo(200);
        assertThat(retry.delayMs(2)).isEqualTo(400);
        assertThat(retry.delayMs(4)).isEqualTo(1_600);
        assertThat(retry.delayMs(9)).isEqualTo(30_000);
        assertThat(retry.delayMs(20)).isEqualTo(30_000);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClickHouseException("INSERT", 0, "interrupted", true, e);
        }
    }
}
