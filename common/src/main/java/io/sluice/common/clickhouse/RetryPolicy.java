package io.sluice.common.clickhouse;

import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import java.util.function.Supplier;

/**
 * The one retry rule of both ClickHouse sinks: a transient failure ({@link
 * ClickHouseException#retryable()}) is retried up to {@code sink.max-retries} times, waiting {@code
 * sink.retry-backoff} and doubling up to 30 s; a rejected statement, or the last failure, is
 * thrown. A retried request must be idempotent (the sinks' inserts are: same rows, same versions).
 */
public final class RetryPolicy {
    static final long MAX_BACKOFF_MS = 30_000;

    /** Told of every retry before its wait. */
    @FunctionalInterface
    public interface Listener {
        void retrying(int attempt, int maxRetries, long backoffMs, ClickHouseException failure);
    }

    /**
     * The sinks' listener: counts each retry in {@code retries} and logs it as a warning (the
     * failure's message, never the rows).
     */
    public static Listener countedAndLogged(
            org.apache.flink.metrics.Counter retries, org.slf4j.Logger log) {
        return (attempt, max, backoff, e) -> {
            retries.inc();
            log.warn(
                    "Retrying in {} ms (attempt {} of {}): {}",
                    backoff,
                    attempt,
                    max,
                    e.getMessage());
        };
    }

    /** Waits between attempts (a test passes one that records instead of sleeping). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long ms) throws InterruptedException;
    }

    private final int maxRetries;
    private final long backoffMs;
    private final Sleeper sleeper;

    public RetryPolicy(int maxRetries, long backoffMs, Sleeper sleeper) {
        if (maxRetries < 0 || backoffMs < 0) {
            throw new IllegalArgumentException(
                    "retries and backoff must be 0 or more: " + maxRetries + ", " + backoffMs);
        }
        this.maxRetries = maxRetries;
        this.backoffMs = backoffMs;
        this.sleeper = sleeper;
    }

    /** The policy the sink options set, waiting with {@link Thread#sleep}. */
    public static RetryPolicy of(SluiceConfig config) {
        return new RetryPolicy(
                config.get(ClickHouseSinkOptions.MAX_RETRIES),
                config.get(ClickHouseSinkOptions.RETRY_BACKOFF).toMillis(),
                Thread::sleep);
    }

    public int maxRetries() {
        return maxRetries;
    }

    /**
     * Runs the request until it succeeds, fails for good, or the thread is interrupted while
     * waiting (then the failure is thrown and the interrupt flag kept).
     */
    public <T> T call(Supplier<T> request, Listener listener) {
        long backoff = backoffMs;
        for (int attempt = 0; ; attempt++) {
            try {
                return request.get();
            } catch (ClickHouseException e) {
                if (!e.retryable() || attempt >= maxRetries) {
                    throw e;
                }
                listener.retrying(attempt + 1, maxRetries, backoff, e);
                try {
                    sleeper.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
        }
    }

    /** {@link #call} for a request without a result. */
    public void run(Runnable request, Listener listener) {
        call(
                () -> {
                    request.run();
                    return null;
                },
                listener);
    }
}
