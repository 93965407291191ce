package io.sluice.jobs.analytics.operators;

import java.io.IOException;
import java.util.Arrays;
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
 *
 * <p>All of it is one value per user ({@code [from₀, to₀, from₁, to₁, ..., lsn, lastChangeMs]}),
 * read and written once per change: on RocksDB each state access is a seek or a write, and three
 * values cost two reads and three writes per snapshot row and funnel. Earlier builds kept three
 * values ({@code pending-days}, {@code pending-lsn}, {@code last-change-ms}); a user's are moved
 * into the one value at the user's next access.
 */
final class FunnelSnapshotDays {
    /** How long a user's changes pause before the marked days are derived. */
    static final long QUIET_MS = 10_000L;

    /** The days marked for derivation, and the newest LSN among the changes behind them. */
    record Marked(long[] days, Long lsn) {}

    /** In {@link #lsnAt}: no LSN was recorded. */
    private static final long NO_LSN = Long.MIN_VALUE;

    private final int funnelCount;

    /** Per funnel the first and last day marked, then the newest LSN and the last change's time. */
    private final ValueState<long[]> marked;

    /** Earlier builds' state: the days, the LSN and the last change's time, apart. */
    private final ValueState<long[]> legacyDays;

    private final ValueState<Long> legacyLsn;
    private final ValueState<Long> legacyLastChangeMs;

    FunnelSnapshotDays(RuntimeContext context, int funnelCount) {
        this.funnelCount = funnelCount;
        marked =
                context.getState(
                        new ValueStateDescriptor<>(
                                "snapshot-days",
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        legacyDays =
                context.getState(
                        new ValueStateDescriptor<>(
                                "pending-days",
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        legacyLsn = context.getState(new ValueStateDescriptor<>("pending-lsn", Types.LONG));
        legacyLastChangeMs =
                context.getState(new ValueStateDescriptor<>("last-change-ms", Types.LONG));
    }

    private int lsnAt() {
        return 2 * funnelCount;
    }

    /** The user's value, with an earlier build's three values moved into it; or null. */
    private long[] load() throws IOException {
        long[] v = marked.value();
        if (v != null) {
            return v;
        }
        long[] days = legacyDays.value();
        Long lsn = legacyLsn.value();
        Long last = legacyLastChangeMs.value();
        if (days == null && lsn == null && last == null) {
            return null;
        }
        v = fresh();
        if (days != null) {
            System.arraycopy(days, 0, v, 0, Math.min(days.length, lsnAt()));
        }
        v[lsnAt()] = lsn == null ? NO_LSN : lsn;
        v[lsnAt() + 1] = last == null ? Long.MIN_VALUE : last;
        marked.update(v);
        legacyDays.clear();
        legacyLsn.clear();
        legacyLastChangeMs.clear();
        return v;
    }

    private long[] fresh() {
        long[] p = new long[2 * funnelCount + 2];
        for (int i = 0; i < funnelCount; i++) {
            p[2 * i] = Long.MAX_VALUE;
            p[2 * i + 1] = Long.MIN_VALUE;
        }
        p[lsnAt()] = NO_LSN;
        p[lsnAt() + 1] = Long.MIN_VALUE;
        return p;
    }

    /** The user's value so far (pass it to {@link #mark} and {@link #keep}), or null. */
    long[] marked() throws IOException {
        return load();
    }

    /** {@code pending} with funnel {@code f}'s marked days widened to {@code [from, to]}. */
    long[] mark(long[] pending, int f, long fromDay, long toDay) {
        long[] p = pending == null ? fresh() : pending;
        p[2 * f] = Math.min(p[2 * f], fromDay);
        p[2 * f + 1] = Math.max(p[2 * f + 1], toDay);
        return p;
    }

    /**
     * Keeps the days {@code pending} marks for a change at {@code lsn}, and sets the timers that
     * derive them: the first watermark's and the one after the user's changes pause.
     */
    void keep(long[] pending, long lsn, TimerService timers) throws IOException {
        long now = timers.currentProcessingTime();
        long last = pending[lsnAt() + 1];
        pending[lsnAt()] = pending[lsnAt()] == NO_LSN ? lsn : Math.max(pending[lsnAt()], lsn);
        pending[lsnAt() + 1] = now;
        marked.update(pending);
        // Marks kept with a last change have both timers, and keep them until they are taken:
        // the first watermark's fires once and takes them, and the pause's timer of the last
        // change takes them when it fires. So each is registered only when it is new (a timer
        // registration is a seek and a write on RocksDB, even for one already set).
        if (last == Long.MIN_VALUE) {
            timers.registerEventTimeTimer(Long.MIN_VALUE + 1);
        }
        long quiet = SessionTimers.quietAfter(now, QUIET_MS);
        if (last == Long.MIN_VALUE || SessionTimers.quietAfter(last, QUIET_MS) != quiet) {
            timers.registerProcessingTimeTimer(quiet);
        }
    }

    /**
     * Whether a processing-time timer at {@code timestamp} fires while the user is still changing:
     * then the timer of the user's latest change derives.
     */
    boolean stillChanging(long timestamp, long watermark) throws IOException {
        if (watermark != Long.MIN_VALUE) {
            return false;
        }
        long[] v = load();
        return v != null
                && v[lsnAt() + 1] != Long.MIN_VALUE
                && timestamp < SessionTimers.quietAfter(v[lsnAt() + 1], QUIET_MS);
    }

    /** The marked days and their LSN, now cleared from state; null when none were marked. */
    Marked take() throws IOException {
        long[] v = load();
        if (v == null) {
            return null;
        }
        marked.clear();
        boolean anyDay = false;
        for (int f = 0; f < funnelCount; f++) {
            anyDay |= v[2 * f] <= v[2 * f + 1];
        }
        if (!anyDay) {
            return null; // an earlier build's LSN or time without days: nothing to derive
        }
        return new Marked(Arrays.copyOf(v, lsnAt()), v[lsnAt()] == NO_LSN ? null : v[lsnAt()]);
    }
}
