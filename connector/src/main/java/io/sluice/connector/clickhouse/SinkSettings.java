package io.sluice.connector.clickhouse;

import java.io.Serializable;

/**
 * The writer's batching and retry settings (the {@code sink.*} options), checked by the factory.
 */
public final class SinkSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int batchRows;
    private final long flushIntervalMs;
    private final int maxRetries;
    private final long retryBackoffMs;
    private final int maxPendingRows;

    public SinkSettings(
            int batchRows,
            long flushIntervalMs,
            int maxRetries,
            long retryBackoffMs,
            int maxPendingRows) {
        this.batchRows = batchRows;
        this.flushIntervalMs = flushIntervalMs;
        this.maxRetries = maxRetries;
        this.retryBackoffMs = retryBackoffMs;
        this.maxPendingRows = maxPendingRows;
    }

    public int batchRows() {
        return batchRows;
    }

    public long flushIntervalMs() {
        return flushIntervalMs;
    }

    public int maxRetries() {
        return maxRetries;
    }

    public long retryBackoffMs() {
        return retryBackoffMs;
    }

    public int maxPendingRows() {
        return maxPendingRows;
    }
}
