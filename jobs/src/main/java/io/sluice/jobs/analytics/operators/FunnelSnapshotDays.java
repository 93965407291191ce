package io.sluice.jobs.analytics.operators;

import java.io.IOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimerService;

/**
 * {@link FunnelFunction}'s state before the first watermark, while the snapshot's rows arrive in no
 * particular order: per funnel the days the user's changes touch, the newest LSN among those
 * changes, and when the last of them came. The function derives the marked days once, at the first
 * watermark or once the user's changes pause for {@link #QUIET_MS} of processing time.
 */
final class FunnelSnapshotDays {
    /** How long a user's changes pause before the marked days are derived. */
    static final long QUIET_MS = 10_000L;

    /** The days marked for derivation, and the newest LSN among the changes behind them. */
    record Marked(long[] days, Long lsn) {}

    private final int funnelCount;

    /** Per funnel, the first and last day marked for derivation ({@code [2f], [2f + 1]}). */
    private final ValueState<long[]> pendingDays;

    /** The newest LSN among the changes behind {@link #pendingDays}. */
    private final ValueState<Long> pendingLsn;

    /** Processing time of the user's last change while no watermark exists. */
    private final ValueState<Long> lastChangeMs;

    FunnelSnapshotDays(RuntimeContext context, int funnelCount) {
        this.funnelCount = funnelCount;
        pendingDays =
                context.getState(
                        new ValueStateDescriptor<>(
                                "pending-days",
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        pendingLsn = context.getState(new ValueStateDescriptor<>("pending-lsn", Types.LONG));
        lastChangeMs = context.getState(new ValueStateDescriptor<>("last-change-ms", Types.LONG));
    }

    /** The days marked so far, or null. */
    long[] marked() throws IOException {
        return pendingDays.value();
    }

    /** {@code pending} with funnel {@code f}'s marked days widened to {@code [from, to]}. */
    long[] mark(long[] pending, int f, long fromDay, long toDay) {
        long[] p = pending;
        if (p == null) {
            p = new long[2 * funnelCount];
            for (int i = 0; i < funnelCount; i++) {
                p[2 * i] = Long.MAX_VALUE;
                p[2 * i + 1] = Long.MIN_VALUE;
            }
        }
        p[2 * f] = Math.min(p[2 * f], fromDay);
        p[2 * f + 1] = Math.max(p[2 * f + 1], toDay);
        return p;
    }

    /**
     * Keeps the days {@code pending} marks for a change at {@code lsn}, and sets the timers that
     * derive them: the first watermark's and the one after the user's changes pause.
     */
    void keep(long[] pending, long lsn, TimerService timers) throws IOException {
        pendingDays.update(pending);
        Long newest = pendingLsn.value();
        pendingLsn.update(newest == null ? lsn : Math.max(newest, lsn));
        long now = timers.currentProcessingTime();
        lastChangeMs.update(now);
        timers.registerEventTimeTimer(Long.MIN_VALUE + 1);
        timers.registerProcessingTimeTimer(SessionTimers.quietAfter(now, QUIET_MS));
    }

    /**
     * Whether a processing-time timer at {@code timestamp} fires while the user is still changing:
     * then the timer of the user's latest change derives.
     */
    boolean stillChanging(long timestamp, long watermark) throws IOException {
        Long last = lastChangeMs.value();
        return watermark == Long.MIN_VALUE
                && last != null
                && timestamp < SessionTimers.quietAfter(last, QUIET_MS);
    }

    /** The marked days and their LSN, now cleared from state; null when none were marked. */
    Marked take() throws IOException {
        long[] pending = pendingDays.value();
        Long lsn = pendingLsn.value();
        pendingDays.clear();
        pendingLsn.clear();
        lastChangeMs.clear();
        return pending == null ? null : new Marked(pending, lsn);
    }
}
