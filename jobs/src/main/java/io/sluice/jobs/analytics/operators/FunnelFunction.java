package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.FunnelDefinition.Mode;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.FunnelDelta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by user: finds the user's best attempt of every funnel on every day ({@link FunnelMatcher}
 * defines it) and emits a {@link FunnelDelta} to {@link #ATTEMPTS} whenever one changes: {@code -1}
 * with the attempt it last emitted for that funnel and day, then {@code +1} with the new one (only
 * one of them when the attempt appears or vanishes). Every input delta goes on unchanged to the
 * main output, so the function chains in front of the other user-keyed operators.
 *
 * <p>A change at time {@code t} re-derives only the days {@code [day(t − window), day(t)]} of the
 * funnels it can move: those with a step it matches, and every STRICT funnel (an event of any name
 * breaks a strict chain). The emitted deltas carry the change's LSN. On RocksDB, a change that
 * provably moves no attempt is added without reading the user's log ({@link #appendWithoutRead}).
 *
 * <p>Before the first watermark (the snapshot, whose rows arrive in no particular order) nothing is
 * derived per change: the days each change touches are only marked ({@link FunnelSnapshotDays}),
 * and derived once, at the first watermark or once the user's changes pause for 10 s of processing
 * time, as {@link SessionizeFunction} does; the deltas then carry the newest LSN among those
 * changes. A snapshotted history is so read once per user instead of once per event.
 *
 * <p>State: the user's events that matter ({@link FunnelUserEvents}: one {@link EventLog} per user,
 * in event order, with each event's step masks) — those matching some step of some funnel, or all
 * of them when a funnel is STRICT — and the attempt last emitted per funnel and day. A change
 * behind the watermark by more than {@code horizonMs} never arrives (it is late), so an event timer
 * drops the events before the start of {@code day(watermark − horizon − longest window)} and the
 * attempts of earlier days. The step masks in state follow the configured funnels' order: give the
 * operator a new uid when the funnels change.
 */
@Internal
public final class FunnelFunction extends KeyedProcessFunction<String, EventDelta, EventDelta> {
    private static final long serialVersionUID = 1L;

    /**
     * The users' attempt changes, for {@link FunnelDailyFunction} keyed by {@link FunnelDelta#key}.
     */
    public static final OutputTag<FunnelDelta> ATTEMPTS =
            new OutputTag<>("funnel-attempts", TypeInformation.of(FunnelDelta.class));

    static final long DAY_MS = 86_400_000L;

    private final List<FunnelDefinition> funnels;
    private final EventProperties properties;
    private final long horizonMs;
    private final FunnelMatcher[] matchers;

    /** Whether every event is kept (some funnel is STRICT), or only those matching a step. */
    private final boolean keepAll;

    private final long longestWindowMs;

    /** Whether the events are kept append-only ({@link FunnelUserEvents}). */
    private final boolean appendOnly;

    private transient FunnelUserEvents events;

    /** Key {@code funnel|day}: the microseconds to each step of the attempt last emitted. */
    private transient MapState<String, long[]> attempts;

    /** The days marked before the first watermark, to derive once the user's changes pause. */
    private transient FunnelSnapshotDays snapshotDays;

    public FunnelFunction(
            List<FunnelDefinition> funnels, EventProperties properties, long horizonMs) {
        this(funnels, properties, horizonMs, false);
    }

    /**
     * With {@code appendOnly}, an added event is written as a segment of its own instead of
     * rewriting the user's events: for RocksDB ({@link FunnelUserEvents}).
     */
    public FunnelFunction(
            List<FunnelDefinition> funnels,
            EventProperties properties,
            long horizonMs,
            boolean appendOnly) {
        this.appendOnly = appendOnly;
        this.funnels = List.copyOf(funnels);
        this.properties = properties;
        this.horizonMs = horizonMs;
        this.matchers = new FunnelMatcher[funnels.size()];
        boolean strict = false;
        long longestUs = 0;
        for (int f = 0; f < funnels.size(); f++) {
            matchers[f] = FunnelMatcher.of(funnels.get(f));
            strict |= funnels.get(f).mode() == Mode.STRICT;
            longestUs = Math.max(longestUs, funnels.get(f).windowUs());
        }
        this.keepAll = strict;
        this.longestWindowMs = Math.floorDiv(longestUs + 999, 1000);
    }

    @Override
    public void open(OpenContext openContext) {
        events = new FunnelUserEvents(getRuntimeContext(), funnels.size(), appendOnly);
        attempts =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "funnel-attempts",
                                        Types.STRING,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        snapshotDays = new FunnelSnapshotDays(getRuntimeContext(), funnels.size());
    }

    /** Per funnel, the steps {@code e} matches (bit {@code i}: step {@code i + 1}). */
    int[] stepMasks(CleanEvent e) {
        int[] masks = new int[funnels.size()];
        for (int f = 0; f < masks.length; f++) {
            List<FunnelDefinition.Step> steps = funnels.get(f).steps();
            for (int s = 0; s < steps.size(); s++) {
                if (steps.get(s).matches(e.eventName, key -> properties.get(e, key))) {
                    masks[f] |= 1 << s;
                }
            }
        }
        return masks;
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<EventDelta> out)
            throws Exception {
        out.collect(delta);
        CleanEvent e = delta.event;
        int[] masks = stepMasks(e);
        boolean matchesAny = Arrays.stream(masks).anyMatch(m -> m != 0);
        if (!matchesAny && !keepAll) {
            return;
        }
        boolean snapshot = ctx.timerService().currentWatermark() == Long.MIN_VALUE;
        if (appendOnly && !snapshot && delta.sign > 0 && appendWithoutRead(e, masks, ctx)) {
            return;
        }
        EventLog log =
                delta.sign > 0
                        ? events.put(e.occurredAtUs, e.eventId, masks, !snapshot)
                        : events.remove(e.occurredAtUs, e.eventId);
        long[] pending = snapshot ? snapshotDays.marked() : null;
        for (int f = 0; f < funnels.size(); f++) {
            if (masks[f] == 0 && funnels.get(f).mode() == Mode.ORDERED) {
                continue;
            }
            long fromDay = FunnelMatcher.day(e.occurredAtUs - funnels.get(f).windowUs());
            long toDay = FunnelMatcher.day(e.occurredAtUs);
            if (snapshot) {
                pending = snapshotDays.mark(pending, f, fromDay, toDay);
                continue;
            }
            rederive(f, log, fromDay, toDay, delta.lsn, ctx);
        }
        if (snapshot && pending != null) {
            snapshotDays.keep(pending, delta.lsn, ctx.timerService());
        }
        long dayEndMs = dayEndMs(e.occurredAtMs());
        if (log == null) {
            // Append-only, before the first watermark: the derivation of the marked days, which
            // comes before any day's timer could fire, registers the timers of the log's days.
            return;
        }
        if (otherEventsOnDay(log, dayEndMs, delta.sign > 0 ? 2 : 1)) {
            // An event of the day that is already in the log registered the day's timer, which
            // has not fired: it drops the day's events when it fires.
            return;
        }
        registerDayTimer(ctx.timerService(), dayEndMs);
    }

    /**
     * Append-only, while streaming: adds the event {@code e} without reading the user's log if it
     * changes no best attempt, and says whether it did. It changes none when, for every funnel it
     * can move and every day {@code rederive} would derive again, either
     *
     * <ul>
     *   <li>no attempt starts on the day, and {@code e} does not start one there (it matches no
     *       first step, or is on another day): an attempt starts at a step-1 event; or
     *   <li>{@code e} goes after every event of the log and matches no step after the first: an
     *       appended event extends no attempt then, and an attempt it starts has level 1, behind
     *       the day's earlier one.
     * </ul>
     *
     * The log's {@link FunnelUserEvents.Tail} tells whether {@code e} goes after every event; a
     * tail not known, or {@link FunnelUserEvents#FOLD_SEGMENTS} segments added unread, need a read.
     * Events added before the first watermark, without a read and without moving the tail, all
     * marked days that the derivation at that watermark reads the log for, which sets the tail
     * again before any streamed change. In the bench's workload, where every user has one event
     * name, most changes are of users that never start an attempt, or only start them.
     */
    private boolean appendWithoutRead(CleanEvent e, int[] masks, Context ctx) throws Exception {
        FunnelUserEvents.Tail tail = events.tail();
        if (tail == null || tail.unread() + 1 >= FunnelUserEvents.FOLD_SEGMENTS) {
            return false;
        }
        boolean appended = tail.isBefore(e.occurredAtUs);
        for (int f = 0; f < funnels.size(); f++) {
            if (masks[f] == 0 && funnels.get(f).mode() == Mode.ORDERED) {
                continue;
            }
            long fromDay = FunnelMatcher.day(e.occurredAtUs - funnels.get(f).windowUs());
            long toDay = FunnelMatcher.day(e.occurredAtUs);
            for (long day = fromDay; day <= toDay; day++) {
                if (attempts.contains(attemptKey(funnels.get(f).name(), day))) {
                    if (!appended || (masks[f] & ~1) != 0) {
                        return false;
                    }
                } else if (day == toDay && (masks[f] & 1) != 0) {
                    return false;
                }
            }
        }
        events.append(e.occurredAtUs, e.eventId, masks, tail);
        if (FunnelMatcher.day(tail.last()) != FunnelMatcher.day(e.occurredAtUs)) {
            // The log's last event, put earlier, registered its day's timer (or the derivation
            // of the snapshot did); another day's may not be.
            registerDayTimer(ctx.timerService(), dayEndMs(e.occurredAtMs()));
        }
        return true;
    }

    /** The end of the UTC day of {@code ms}, in milliseconds. */
    private static long dayEndMs(long ms) {
        return (Math.floorDiv(ms, DAY_MS) + 1) * DAY_MS;
    }

    /** The key of {@link #attempts}: {@code funnel|day} ({@link #onTimer} reads the day back). */
    private static String attemptKey(String funnel, long day) {
        return funnel + "|" + day;
    }

    /** The timer after which no change can reach the day that ends at {@code dayEndMs}. */
    private void registerDayTimer(TimerService timers, long dayEndMs) {
        timers.registerEventTimeTimer(
                CountRollupFunction.saturatedAdd(
                        CountRollupFunction.saturatedAdd(dayEndMs, longestWindowMs), horizonMs));
    }

    /** Whether the log holds at least {@code n} events of the day that ends at {@code dayEndMs}. */
    static boolean otherEventsOnDay(EventLog log, long dayEndMs, int n) {
        int first = log.firstAtOrAfter((dayEndMs - DAY_MS) * 1000);
        return first + n - 1 < log.size() && log.time(first + n - 1) < dayEndMs * 1000;
    }

    /** Derives the days marked before the first watermark, once, from all the user's events. */
    private void derivePending(Context ctx) throws Exception {
        FunnelSnapshotDays.Marked marked = snapshotDays.take();
        if (marked == null) {
            return;
        }
        long[] pending = marked.days();
        EventLog log = events.log();
        // Append-only, changes before the first watermark left the days' timers to this
        // derivation (in either layout: the changes may have come before a restore).
        long lastDayEndMs = Long.MIN_VALUE;
        for (int i = 0; i < log.size(); i++) {
            long dayEndMs = dayEndMs(Math.floorDiv(log.time(i), 1000));
            if (dayEndMs != lastDayEndMs) {
                registerDayTimer(ctx.timerService(), dayEndMs);
                lastDayEndMs = dayEndMs;
            }
        }
        for (int f = 0; f < funnels.size() && 2 * f + 1 < pending.length; f++) {
            if (pending[2 * f] <= pending[2 * f + 1]) {
                rederive(f, log, pending[2 * f], pending[2 * f + 1], marked.lsn(), ctx);
            }
        }
    }

    /** Re-derives funnel {@code f}'s best attempts of the days {@code [fromDay, toDay]}. */
    private void rederive(int f, EventLog log, long fromDay, long toDay, long lsn, Context ctx)
            throws Exception {
        FunnelDefinition funnel = funnels.get(f);
        long windowUs = funnel.windowUs();
        long fromUs = fromDay * FunnelMatcher.DAY_US;
        long toUs = (toDay + 1) * FunnelMatcher.DAY_US + windowUs;
        int first = log.firstAtOrAfter(fromUs);
        int end = toUs == Long.MAX_VALUE ? log.size() : log.firstAtOrAfter(toUs + 1);
        long[] times = new long[end - first];
        int[] masks = new int[end - first];
        for (int i = first; i < end; i++) {
            times[i - first] = log.time(i);
            masks[i - first] = f < log.width() ? log.value(i, f) : 0;
        }
        Map<Long, long[]> best = matchers[f].bestAttempts(times, masks, fromDay, toDay);
        for (long day = fromDay; day <= toDay; day++) {
            String key = attemptKey(funnel.name(), day);
            long[] old = attempts.get(key);
            long[] now = best.get(day);
            if (Arrays.equals(old, now)) {
                continue;
            }
            if (old != null) {
                ctx.output(ATTEMPTS, new FunnelDelta(funnel.name(), day, -1, old, lsn));
            }
            if (now != null) {
                ctx.output(ATTEMPTS, new FunnelDelta(funnel.name(), day, 1, now, lsn));
                attempts.put(key, now);
            } else {
                attempts.remove(key);
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<EventDelta> out)
            throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME) {
            if (snapshotDays.stillChanging(timestamp, watermark)) {
                return; // the timer of the user's latest change derives
            }
            derivePending(ctx);
            return;
        }
        derivePending(ctx);
        long firstDay = Math.floorDiv(watermark - horizonMs - longestWindowMs, DAY_MS);
        long firstUs =
                firstDay >= Long.MAX_VALUE / FunnelMatcher.DAY_US
                        ? Long.MAX_VALUE // the end of input: nothing can change any more
                        : firstDay * FunnelMatcher.DAY_US;
        events.dropBefore(firstUs);
        List<String> drop = new ArrayList<>();
        for (String k : attempts.keys()) {
            if (Long.parseLong(k.substring(k.lastIndexOf('|') + 1)) < firstDay) {
                drop.add(k);
            }
        }
        for (String k : drop) {
            attempts.remove(k);
        }
    }
}
