package io.sluice.jobs.analytics.operators;

/** When {@link SessionizeFunction}'s timers fire, as pure arithmetic on milliseconds. */
final class SessionTimers {
    private SessionTimers() {}

    /** The first multiple of {@code quietMs} at least {@code quietMs} after {@code ms}. */
    static long quietAfter(long ms, long quietMs) {
        long t = ms + quietMs;
        return t + Math.floorMod(-t, quietMs);
    }

    /** The next whole second of processing time after {@code now}. */
    static long nextSecond(long now) {
        return now + (1000L - Math.floorMod(now, 1000L));
    }

    /**
     * The event time at which an event at {@code occurredAtUs} may end its session's life in state:
     * a gap after it, rounded up to the minute (so a user's timers coalesce), plus the lateness.
     */
    static long cleanupAt(long occurredAtUs, long gapUs, long horizonMs) {
        long cleanupMs = Math.floorDiv(occurredAtUs + gapUs, 1000L) + 1;
        return CountRollupFunction.saturatedAdd(roundUpToMinute(cleanupMs), horizonMs);
    }

    private static long roundUpToMinute(long ms) {
        return Math.floorDiv(ms + 59_999, 60_000L) * 60_000L;
    }
}
