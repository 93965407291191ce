package io.sluice.common.change;

/**
 * How every row Sluice writes to ClickHouse is versioned ({@code ReplacingMergeTree(_version)}: the
 * highest version of a key wins). Versions are WAL positions (LSNs), never per-run counters or the
 * wall clock, so they keep growing across restarts, resyncs and restores:
 *
 * <ul>
 *   <li>A streamed change writes its rows at its own LSN: a replay writes the same rows at the same
 *       versions.
 *   <li>A snapshot row is written at the run's <em>snapshot anchor</em>: a WAL position taken
 *       before the snapshot is read. Every change already in the snapshot has a lower LSN, every
 *       change after it a higher one, so the snapshot row outranks what earlier runs wrote and
 *       loses to the changes that follow it.
 *   <li>A fresh start (resync) takes its anchor above every version already in ClickHouse (see
 *       {@code Resync} in the jobs module) and first writes every existing row again at {@link
 *       #retired(long) anchor − 1}, deleted or with zero counts; the run then writes all that still
 *       exists at the anchor or above.
 *   <li>A row written again and again (a rollup, a session) gets {@link #next(long, long)}: above
 *       its previous version and never below the LSN of the change that moved it.
 * </ul>
 */
public final class Versions {
    private Versions() {}

    /** No version written yet. */
    public static final long NONE = 0L;

    /**
     * The version of a row re-emitted because of a change at {@code lsn}: strictly above {@code
     * previous} (so it replaces the last row of the key) and at least {@code lsn} (so it outranks
     * every row written before that change, by any run).
     */
    public static long next(long previous, long lsn) {
        if (previous == Long.MAX_VALUE) {
            throw new ArithmeticException("version overflow");
        }
        return Math.max(previous + 1, lsn);
    }

    /** The version at which a resync retires the rows written before its anchor. */
    public static long retired(long anchor) {
        if (anchor <= 1) {
            throw new IllegalArgumentException("a resync anchor is a WAL position > 1: " + anchor);
        }
        return anchor - 1;
    }

    /**
     * How many bytes of WAL a resync must write (as one logical message) so that its anchor, the
     * LSN after that message, lies above {@code maxWritten}, the highest version already in
     * ClickHouse; 0 when the WAL position {@code lsn} is already high enough. Re-emitted rows can
     * run a little ahead of the WAL ({@link #next} adds 1 where many rows share an LSN, as a
     * snapshot's do), and this is how the next run gets past them.
     */
    public static long paddingBytes(long lsn, long maxWritten) {
        return Math.max(0L, maxWritten + 2 - lsn);
    }

    /** Postgres' text form of an LSN, {@code X/Y}, for logs and messages. */
    public static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase()
                + "/"
                + Long.toHexString(lsn & 0xFFFFFFFFL).toUpperCase();
    }
}
