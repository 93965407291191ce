package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.model.ActiveUsersDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by user: counts the user's counted events per UTC day, and when a day turns active (0 → 1
 * events) or inactive (1 → 0), emits how that moves DAU, WAU and MAU of every day it touches: the
 * day itself and the 29 after it. A user is in WAU (MAU) of day D when active on any day of [D−6,
 * D] ([D−29, D]), the rolling definitions of PostHog and Amplitude.
 *
 * <p>Its main output passes every delta on unchanged, so the next user-keyed operator is chained to
 * it without another shuffle; the active-users changes go to the {@link #ACTIVITY} side output.
 *
 * <p>State: events per day, for days no older than 30 days before the watermark minus the allowed
 * lateness (older days can no longer change any count); pruned by an event-time timer.
 */
@Internal
public final class UserActivityFunction
        extends KeyedProcessFunction<String, EventDelta, EventDelta> {
    private static final long serialVersionUID = 1L;

    /** How each change moves DAU, WAU and MAU of the days it touches. */
    public static final OutputTag<ActiveUsersDelta> ACTIVITY =
            new OutputTag<>("active-users-deltas", TypeInformation.of(ActiveUsersDelta.class));

    public static final long DAY_MS = 86_400_000L;
    static final int WEEK = 7;
    static final int MONTH = 30;

    private final long horizonMs;
    private transient MapState<Long, Long> eventsPerDay;

    public UserActivityFunction(long horizonMs) {
        this.horizonMs = horizonMs;
    }

    @Override
    public void open(OpenContext openContext) {
        eventsPerDay =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>("events-per-day", Types.LONG, Types.LONG));
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<EventDelta> out)
            throws Exception {
        out.collect(delta);
        long day = Math.floorDiv(delta.event.occurredAtMs(), DAY_MS);
        Long before = eventsPerDay.get(day);
        long after = (before == null ? 0 : before) + delta.sign;
        if (after == 0) {
            eventsPerDay.remove(day);
        } else {
            eventsPerDay.put(day, after);
        }
        boolean wasActive = before != null && before != 0;
        boolean isActive = after != 0;
        if (wasActive != isActive) {
            emitChanges(day, isActive, delta.lsn, a -> ctx.output(ACTIVITY, a));
        }
        if (before == null) {
            // The day's cleanup timer when the day gets its entry: every entry has one, and a
            // registration per event cost a lookup in the timer set each time.
            ctx.timerService()
                    .registerEventTimeTimer(
                            CountRollupFunction.saturatedAdd(
                                    (day + MONTH + 1) * DAY_MS, horizonMs));
        }
    }

    /** Activity of the days in [day − 29, day + 29], with {@code day} itself given. */
    private void emitChanges(
            long day,
            boolean activeNow,
            long lsn,
            java.util.function.Consumer<ActiveUsersDelta> out)
            throws Exception {
        int span = 2 * MONTH - 1;
        boolean[] active = new boolean[span]; // index i is day - (MONTH - 1) + i
        // One pass over the user's days (a month and the repair horizon at most) rather than a
        // lookup per day: on RocksDB each lookup is a seek, and this ran 59 of them.
        long first = day - (MONTH - 1);
        for (Map.Entry<Long, Long> e : eventsPerDay.entries()) {
            long i = e.getKey() - first;
            if (i >= 0 && i < span && e.getValue() != 0) {
                active[(int) i] = true;
            }
        }
        int self = MONTH - 1;
        int sign = activeNow ? 1 : -1;
        for (int k = 0; k < MONTH; k++) {
            long target = day + k;
            int t = self + k;
            boolean otherInWeek = anyActive(active, t - (WEEK - 1), t, self);
            boolean otherInMonth = anyActive(active, t - (MONTH - 1), t, self);
            int dau = k == 0 ? sign : 0;
            int wau = k < WEEK && !otherInWeek ? sign : 0;
            int mau = !otherInMonth ? sign : 0;
            if (dau != 0 || wau != 0 || mau != 0) {
                out.accept(new ActiveUsersDelta(target, dau, wau, mau, lsn));
            }
        }
    }

    private static boolean anyActive(boolean[] active, int from, int to, int except) {
        for (int i = Math.max(0, from); i <= to && i < active.length; i++) {
            if (i != except && active[i]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<EventDelta> out)
            throws Exception {
        long horizonDay =
                Math.floorDiv(ctx.timerService().currentWatermark() - horizonMs, DAY_MS) - MONTH;
        List<Long> old = new ArrayList<>();
        for (Map.Entry<Long, Long> e : eventsPerDay.entries()) {
            if (e.getKey() < horizonDay) {
                old.add(e.getKey());
            }
        }
        for (Long d : old) {
            eventsPerDay.remove(d);
        }
    }
}
