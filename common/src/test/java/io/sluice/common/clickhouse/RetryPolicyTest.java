package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The sinks' one retry rule, with a recording sleeper instead of real waits. */
class RetryPolicyTest {
    private final List<Long> waits = new ArrayList<>();
    private final List<Integer> attempts = new ArrayList<>();

    private RetryPolicy policy(int maxRetries, long backoffMs) {
        return new RetryPolicy(maxRetries, backoffMs, waits::add);
    }

    private static ClickHouseException transientFailure() {
        return new ClickHouseException("INSERT", 0, "connection reset", true, null);
    }

    private static ClickHouseException rejected() {
        return new ClickHouseException("INSERT", 62, "Syntax error", false, null);
    }

    @Test
    void retriesTransientFailuresWithDoublingBackoffCappedAt30s() {
        AtomicInteger calls = new AtomicInteger();
        String result =
                policy(8, 4_000)
                        .call(
                                () -> {
                                    if (calls.incrementAndGet() <= 5) {
                                        throw transientFailure();
                                    }
                                    return "ok";
                                },
                                (attempt, max, backoff, e) -> attempts.add(attempt));
        assertThat(result).isEqualTo("ok");
        assertThat(calls).hasValue(6);
        assertThat(attempts).containsExactly(1, 2, 3, 4, 5);
        assertThat(waits).containsExactly(4_000L, 8_000L, 16_000L, 30_000L, 30_000L);
    }

    @Test
    void aRejectedStatementIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(
                        () ->
                                policy(5, 100)
                                        .run(
                                                () -> {
                                                    calls.incrementAndGet();
                                                    throw rejected();
                                                },
                                                (a, m, b, e) -> attempts.add(a)))
                .isInstanceOf(ClickHouseException.class)
                .hasMessageContaining("Syntax error");
        assertThat(calls).hasValue(1);
        assertThat(waits).isEmpty();
    }

    @Test
    void theLastTransientFailureIsThrownAfterMaxRetries() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(
                        () ->
                                policy(2, 100)
                                        .run(
                                                () -> {
                                                    calls.incrementAndGet();
                                                    throw transientFailure();
                                                },
                                                (a, m, b, e) -> attempts.add(a)))
                .isInstanceOf(ClickHouseException.class);
        assertThat(calls).hasValue(3);
        assertThat(waits).containsExactly(100L, 200L);
    }

    @Test
    void anInterruptedWaitEndsTheRetriesAndKeepsTheFlag() {
        RetryPolicy interrupted =
                new RetryPolicy(
                        5,
                        100,
                        ms -> {
                            throw new InterruptedException();
                        });
        try {
            assertThatThrownBy(
                            () ->
                                    interrupted.run(
                                            () -> {
                                                throw transientFailure();
                                            },
                                            (a, m, b, e) -> {}))
                    .isInstanceOf(ClickHouseException.class);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }
}
