package io.sluice.jobs.analytics;

/**
 * Holds a subtask to at most {@code rowsPerSecond} rows a second (0: no limit), so a backfill can
 * be kept from crowding out the OLTP database it reads.
 */
final class Pacer {
    private final long rowsPerSecond;
    private long started;
    private long rows;

    Pacer(long rowsPerSecond) {
        this.rowsPerSecond = rowsPerSecond;
    }

    void row() throws InterruptedException {
        if (rowsPerSecond <= 0) {
            return;
        }
        if (rows == 0) {
            started = System.nanoTime();
        }
        rows++;
        long dueNanos = rows * 1_000_000_000L / rowsPerSecond;
        long aheadMs = (dueNanos - (System.nanoTime() - started)) / 1_000_000L;
        if (aheadMs > 0) {
            Thread.sleep(aheadMs); // the configured rate limit
        }
    }
}
