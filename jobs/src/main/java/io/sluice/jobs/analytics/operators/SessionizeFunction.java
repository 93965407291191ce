package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.Versions;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.SessionEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.function.SupplierWithException;

/**
 * Keyed by user: splits the user's counted events, in (occurred_at, event_id) order, into sessions.
 * A session starts at the user's first event, and at any event more than {@code gap} after the one
 * before it or at least {@code maxLength} after the session's start.
 *
 * <p>The user's open sessions are re-derived from their events after changes (at the first
 * watermark for snapshot rows, then within a second of processing time; see {@link
 * #processElement}), and only rows that changed are written: an out-of-order event that bridges two
 * sessions yields the merged session (its id is the earlier session's, since the id is a hash of
 * user and start) and a delete of the later one; a deleted event can split a session again. All
 * rows of one derivation share the next version: above the last one, and not below the newest LSN
 * among the user's changes, so it outranks what any earlier run wrote.
 *
 * <p>While streaming, when only events after all of the user's others arrived since the last
 * derivation (the common case), the next one only extends the user's last session and appends new
 * ones from those events, instead of re-reading all of the user's events; any other change (an
 * out-of-order event, a correction, a delete) re-derives from all of them. The log records which
 * ({@link EventLog#pendingFrom}), and the newest LSN, so that a change reads and writes one state.
 *
 * <p>State: the events of sessions that may still change, and the rows last written for them. A
 * session is final, and dropped from state, once it ended more than {@code gap} before the
 * watermark minus the repair horizon: any event that could still arrive starts a new session. On
 * RocksDB the events are kept append-only (each change a small segment of its own, the log
 * rewritten only when a derivation reads all of it), see {@link #SessionizeFunction(long, long,
 * long, boolean)}.
 *
 * <p>{@link Sessionizer} holds the rule and {@link SessionRows} decides which rows to write; this
 * class keeps the state and the timers.
 */
@Internal
public final class SessionizeFunction
        extends KeyedProcessFunction<String, EventDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private final long gapUs;
    private final long horizonMs;

    /**
     * Whether a change is written as a segment of its own instead of into the log ({@link
     * #SessionizeFunction(long, long, long, boolean)}).
     */
    private final boolean appendOnly;

    /** The sessionization rule; this function keeps its state and timers. */
    private final Sessionizer sessionizer;

    /** The user's events that may still change a session, in session order, with their names. */
    private transient ValueState<EventLog> events;

    /**
     * Where builds before {@link EventLog} kept the events (key: zero-padded occurred_at micros +
     * event id); a user's entries move to {@link #events} at their first access after a restore.
     */
    private transient MapState<String, SessionEvent> legacyEvents;

    private transient MapState<Long, Session> written;
    private transient ValueState<Long> version;

    /*
     * Where builds before the log's pending-derivation marks kept them: the newest LSN among the
     * user's changes, whether events changed since the last derivation, the events appended since
     * then, and whether a change was not an append. A user's values move into the log at the
     * first access after a restore (EventLog.UNKNOWN).
     */
    private transient ValueState<Long> changeLsn;
    private transient ValueState<Boolean> dirty;
    private transient ListState<SessionEvent> appended;
    private transient ValueState<Boolean> rederive;

    /** Builds before {@link EventLog} kept the greatest event key; cleared when migrating. */
    private transient ValueState<String> legacyNewestKey;

    /*
     * The append-only layout (appendOnly): the log above holds the events up to the last fold;
     * events appended since then (and derived) are segments of their own in appendedSegments,
     * changes not yet derived are segments in pendingSegments, and the marks (the log's last
     * event, the newest LSN, what is pending and its timer) are a log of at most one event in
     * logMarks. A change so writes two small values instead of the user's whole log. Either
     * layout reads the other's state: a savepoint restores into either.
     */
    private transient ValueState<EventLog> logMarks;
    private transient ListState<EventLog> appendedSegments;
    private transient ListState<EventLog> pendingSegments;

    /** Processing time of the user's last change while no watermark exists (the snapshot). */
    private transient ValueState<Long> lastChangeMs;

    /** Without a watermark, rows are derived once a user's changes pause for this long. */
    static final long SNAPSHOT_QUIET_MS = 10_000L;

    public SessionizeFunction(long gapMs, long maxLengthMs, long horizonMs) {
        this(gapMs, maxLengthMs, horizonMs, false);
    }

    /**
     * With {@code appendOnly}, a change is written as a small segment of its own, and the user's
     * log is rewritten only when a derivation needs all of it (a change other than an append, the
     * snapshot's first derivation, a cleanup): for RocksDB, where every write of a value is a
     * serialization that flushes and compactions then rewrite again. On the heap backend a write is
     * a reference, and one log per user is what keeps checkpoints cheap: there, pass false.
     */
    public SessionizeFunction(long gapMs, long maxLengthMs, long horizonMs, boolean appendOnly) {
        this.gapUs = gapMs * 1000;
        this.horizonMs = horizonMs;
        this.sessionizer = new Sessionizer(gapMs * 1000, maxLengthMs * 1000);
        this.appendOnly = appendOnly;
    }

    @Override
    public void open(OpenContext openContext) {
        events =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "session-event-log", new EventLogSerializer()));
        legacyEvents =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "events",
                                        Types.STRING,
                                        TypeInformation.of(SessionEvent.class)));
        written =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "written-sessions",
                                        Types.LONG,
                                        TypeInformation.of(Session.class)));
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("version", Types.LONG));
        // Added with WAL-anchored versions: the newest LSN among the user's changes.
        changeLsn =
                getRuntimeContext().getState(new ValueStateDescriptor<>("change-lsn", Types.LONG));
        dirty = getRuntimeContext().getState(new ValueStateDescriptor<>("dirty", Types.BOOLEAN));
        // Added after the first release; absent in older savepoints, which then re-derive.
        appended =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "appended-events", TypeInformation.of(SessionEvent.class)));
        rederive =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("rederive-all", Types.BOOLEAN));
        legacyNewestKey =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("newest-event-key", Types.STRING));
        lastChangeMs =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("last-change-ms", Types.LONG));
        logMarks =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "session-log-marks", new EventLogSerializer()));
        appendedSegments =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "session-log-appended", new EventLogSerializer()));
        pendingSegments =
                getRuntimeContext()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "session-log-pending", new EventLogSerializer()));
    }

    @Override
    public void processElement(EventDelta delta, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        if (appendOnly) {
            processAppendOnly(delta, ctx, out);
            return;
        }
        CleanEvent e = delta.event;
        EventLog log = log();
        boolean streaming = ctx.timerService().currentWatermark() != Long.MIN_VALUE;
        int pending = log.pendingFrom();
        boolean after = log.isAfterLast(e.occurredAtUs, e.eventId);
        long now = ctx.timerService().currentProcessingTime();
        // Whether the cleanup timer this event needs is one its predecessor registered: an event
        // after all others whose cleanup minute is the last one's (timers are kept per user and
        // time, and one at or before the watermark would mean the event is beyond the horizon).
        boolean cleanupRegistered =
                delta.sign > 0
                        && after
                        && log.size() > 0
                        && cleanupAt(e.occurredAtUs) <= cleanupAt(log.time(log.size() - 1));
        if (delta.sign > 0) {
            if (streaming && pending != EventLog.ALL && after) {
                if (pending == EventLog.CLEAN) {
                    log.pendingFrom(log.size()); // the appended event's index
                }
            } else {
                log.pendingFrom(EventLog.ALL);
            }
            log.put(e.occurredAtUs, e.eventId, null, e.eventName);
        } else {
            log.pendingFrom(EventLog.ALL);
            log.remove(e.occurredAtUs, e.eventId);
        }
        log.noteLsn(delta.lsn);
        // Rows are re-derived lazily, once per user for all the changes since the last time:
        // before the first watermark (the snapshot) at that watermark, so a snapshotted history
        // is sessionized once per user instead of once per event; while streaming at the next
        // whole second of processing time. Rows are committed on checkpoints anyway.
        // Without a watermark yet, also once the user's changes pause for 10 s of processing
        // time, so a snapshot that no streamed change follows (no watermark ever) still gets its
        // sessions, and a long snapshot does not re-derive a user's growing history every 10 s.
        // A snapshot is derived from all events anyway (once).
        // While streaming, an append to a user with nothing pending and no derivation within the
        // current second is derived at once (deriveNow): no timer, and its rows a second sooner.
        if (deriveNow(streaming, delta, pending, after, now, log)) {
            emitChanges(ctx.getCurrentKey(), log, now, out);
        } else {
            scheduleDerivation(ctx, streaming, pending, log);
        }
        events.update(log);
        if (!cleanupRegistered) {
            ctx.timerService().registerEventTimeTimer(cleanupAt(e.occurredAtUs));
        }
    }

    /**
     * Registers the timer that derives the user's pending changes, and records it in {@code marks}
     * (the log, or the append-only layout's marks); {@code pending}: what was pending before the
     * change.
     */
    private void scheduleDerivation(Context ctx, boolean streaming, int pending, EventLog marks)
            throws Exception {
        long now = ctx.timerService().currentProcessingTime();
        if (!streaming) {
            // A user with a last change recorded has both timers, until one of them derives and
            // clears it: the first watermark's and the pause's of that change. Each is registered
            // only when it is new (on RocksDB a registration is a seek and a write, even for a
            // timer already set).
            Long last = lastChangeMs.value();
            if (last == null) {
                ctx.timerService().registerEventTimeTimer(Long.MIN_VALUE + 1);
            }
            if (last == null || quietAfter(last) != quietAfter(now)) {
                ctx.timerService().registerProcessingTimeTimer(quietAfter(now));
            }
            lastChangeMs.update(now);
        } else if (pending == EventLog.CLEAN
                || marks.pendingTimer() == Long.MIN_VALUE
                || SessionTimers.nextSecond(now) < marks.pendingTimer()) {
            // A user with changes pending has the timer that derives them: the change that made
            // it pending registered it, and the derivation marks it clean. Another is registered
            // only if that one is unknown (changes from before the first watermark, or from a
            // build before the marks) or later than the next second (processing time behind the
            // one before a restore).
            long at = SessionTimers.nextSecond(now);
            ctx.timerService().registerProcessingTimeTimer(at);
            marks.pendingTimer(at);
        }
    }

    /**
     * Whether a change is derived at once instead of on a timer: while streaming, an append to a
     * user whose rows are derived from all other events (nothing pending), unless a derivation ran
     * within the current second (the user's changes then wait for the next second's timer, so that
     * a busy user is still derived about once a second). {@code marks}: the log, or the append-only
     * layout's marks.
     */
    private static boolean deriveNow(
            boolean streaming,
            EventDelta delta,
            int pending,
            boolean after,
            long now,
            EventLog marks) {
        return streaming
                && delta.sign > 0
                && after
                && pending == EventLog.CLEAN
                && now >= marks.holdUntil();
    }

    /** Marks a derivation at processing time {@code now}: changes wait until the next second. */
    private static void markDerived(EventLog marks, long now) {
        marks.pendingFrom(EventLog.CLEAN);
        marks.pendingTimer(Long.MIN_VALUE);
        marks.holdUntil(SessionTimers.nextSecond(now));
    }

    private long cleanupAt(long occurredAtUs) {
        return SessionTimers.cleanupAt(occurredAtUs, gapUs, horizonMs);
    }

    /**
     * The user's event log. At the first access after a restore of a build before it, built from
     * the entries of {@link #legacyEvents}, which are then cleared, and stored; a log of a build
     * before its pending-derivation marks takes them from the states that build kept them in.
     */
    private EventLog log() throws Exception {
        EventLog marks = logMarks.value();
        if (marks != null) {
            // Written in the append-only layout: back into one log, all pending changes derived
            // from all events.
            EventLog log = fold();
            log.noteLsn(marks.newestLsn());
            log.pendingFrom(marks.pendingFrom() == EventLog.CLEAN ? EventLog.CLEAN : EventLog.ALL);
            log.pendingTimer(marks.pendingTimer());
            log.holdUntil(marks.holdUntil());
            log.lastStart(marks.lastStart());
            logMarks.clear();
            events.update(log);
            return log;
        }
        EventLog log = events.value();
        if (log != null) {
            if (log.pendingFrom() == EventLog.UNKNOWN) {
                adoptLegacyMarks(log);
            }
            return log;
        }
        log = EventLog.empty(0, true);
        if (!legacyEvents.isEmpty()) {
            for (Map.Entry<String, SessionEvent> e : legacyEvents.entries()) {
                String key = e.getKey();
                log.put(
                        e.getValue().occurredAtUs,
                        key.substring(key.indexOf('|') + 1),
                        null,
                        e.getValue().eventName);
            }
            legacyEvents.clear();
            legacyNewestKey.clear();
            adoptLegacyMarks(log);
        }
        return log;
    }

    /**
     * Moves the marks of a build that kept them in states of their own into the log, and stores it
     * (the first access after a restore may be a timer that only reads): pending changes are
     * derived from all events.
     */
    private void adoptLegacyMarks(EventLog log) throws Exception {
        Long lsn = changeLsn.value();
        log.noteLsn(lsn == null ? 0 : lsn);
        log.pendingFrom(Boolean.TRUE.equals(dirty.value()) ? EventLog.ALL : EventLog.CLEAN);
        changeLsn.clear();
        dirty.clear();
        rederive.clear();
        appended.clear();
        events.update(log);
    }

    /** The first 10 s boundary at least {@link #SNAPSHOT_QUIET_MS} after {@code ms}. */
    private static long quietAfter(long ms) {
        return SessionTimers.quietAfter(ms, SNAPSHOT_QUIET_MS);
    }

    private List<Session> sessionize(EventLog log) {
        List<SessionEvent> inOrder = new ArrayList<>(log.size());
        for (int i = 0; i < log.size(); i++) {
            inOrder.add(new SessionEvent(log.time(i), log.label(i)));
        }
        return sessionizer.sessionize(inOrder);
    }

    /**
     * Writes the rows that changed since the last emission, all with the next version; {@code now}:
     * the processing time.
     */
    private void emitChanges(String user, EventLog log, long now, Collector<AnalyticsRow> out)
            throws Exception {
        int pending = log.pendingFrom();
        markDerived(log, now);
        long next = nextVersion(log);
        if (pending >= 0 && pending < log.size()) {
            List<SessionEvent> tail = new ArrayList<>(log.size() - pending);
            for (int i = pending; i < log.size(); i++) {
                tail.add(new SessionEvent(log.time(i), log.label(i)));
            }
            emitAppended(user, tail, next, log, out);
        } else {
            log.lastStart(SessionRows.emitAll(user, sessionize(log), written, next, out));
        }
        events.update(log);
    }

    /** The version of the next derivation's rows, recorded as the last one. */
    private long nextVersion(EventLog marks) throws Exception {
        Long v = version.value();
        long next = Versions.next(v == null ? Versions.NONE : v, marks.newestLsn());
        version.update(next);
        return next;
    }

    /**
     * Only events after all others were added since the last derivation, so the written rows are
     * the derivation of all other events: the appended events extend the last of those sessions or
     * start new ones, and no other session changes. {@code marks}: the log, or the append-only
     * layout's marks, which record the last session's start.
     */
    private void emitAppended(
            String user,
            List<SessionEvent> tail,
            long version,
            EventLog marks,
            Collector<AnalyticsRow> out)
            throws Exception {
        Session last = SessionRows.last(written, marks.lastStart());
        marks.lastStart(
                SessionRows.emitAppended(
                        user, last, sessionizer.append(last, tail), written, version, out));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out)
            throws Exception {
        if (ctx.timeDomain() == TimeDomain.PROCESSING_TIME
                && ctx.timerService().currentWatermark() == Long.MIN_VALUE) {
            Long last = lastChangeMs.value();
            if (last != null && timestamp < quietAfter(last)) {
                return; // still changing: the timer of its latest change derives
            }
        }
        lastChangeMs.clear();
        if (appendOnly) {
            onTimerAppendOnly(ctx, out);
            return;
        }
        EventLog log = log();
        if (log.pendingFrom() != EventLog.CLEAN) {
            emitChanges(ctx.getCurrentKey(), log, ctx.timerService().currentProcessingTime(), out);
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            dropFinal(ctx, () -> log);
        }
    }

    /**
     * At an event timer: drops the sessions that can no longer change, and their events; {@code
     * log} gives the user's events, read only if some session is final.
     */
    private void dropFinal(OnTimerContext ctx, SupplierWithException<EventLog, Exception> log)
            throws Exception {
        long horizonUs =
                sessionizer.finalHorizonUs(ctx.timerService().currentWatermark(), horizonMs);
        boolean anyFinal = false;
        for (Session w : written.values()) {
            anyFinal |= w.endedAtUs < horizonUs;
        }
        if (!anyFinal) {
            return; // a timer of a later change, or nothing has ended yet
        }
        EventLog all = log.get();
        List<Session> sessions = sessionize(all);
        // Only a prefix can be final: a later session's start depends on the ones before it.
        long finalUntil = Long.MIN_VALUE;
        for (Session s : sessions.subList(0, Sessionizer.finalPrefix(sessions, horizonUs))) {
            finalUntil = s.endedAtUs;
            written.remove(s.startedAtUs);
        }
        if (finalUntil == Long.MIN_VALUE) {
            return;
        }
        all.dropFirst(
                finalUntil == Long.MAX_VALUE ? all.size() : all.firstAtOrAfter(finalUntil + 1));
        if (all.size() > 0) {
            events.update(all);
        } else {
            // Nothing can change for this user any more: a later event starts a new session
            // with a new id, whose versions start at that event's LSN.
            events.clear();
            written.clear();
            version.clear();
            logMarks.clear();
        }
    }

    /**
     * {@link #processElement} in the append-only layout: the same decisions, taken on the marks
     * alone; the change is written as a segment, and the log is read and rewritten only for a
     * delete.
     */
    private void processAppendOnly(EventDelta delta, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        CleanEvent e = delta.event;
        EventLog marks = marks();
        boolean streaming = ctx.timerService().currentWatermark() != Long.MIN_VALUE;
        int pending = marks.pendingFrom();
        boolean after = marks.isAfterLast(e.occurredAtUs, e.eventId);
        long now = ctx.timerService().currentProcessingTime();
        boolean deriveNow = deriveNow(streaming, delta, pending, after, now, marks);
        boolean cleanupRegistered =
                delta.sign > 0
                        && after
                        && marks.size() > 0
                        && cleanupAt(e.occurredAtUs) <= cleanupAt(marks.time(0));
        marks.noteLsn(delta.lsn);
        if (delta.sign > 0) {
            EventLog segment = EventLog.empty(0, true);
            segment.put(e.occurredAtUs, e.eventId, null, e.eventName);
            if (deriveNow) {
                // The written rows are the derivation of all other events: the event extends the
                // last session or starts one, and joins the derived segments.
                markDerived(marks, now);
                emitAppended(
                        ctx.getCurrentKey(),
                        List.of(new SessionEvent(e.occurredAtUs, e.eventName)),
                        nextVersion(marks),
                        marks,
                        out);
                appendedSegments.add(segment);
            } else {
                if (streaming && pending != EventLog.ALL && after) {
                    // pendingFrom 0: the pending segments are appends only, in event order.
                    marks.pendingFrom(0);
                } else {
                    marks.pendingFrom(EventLog.ALL);
                }
                pendingSegments.add(segment);
            }
            if (after) {
                marks.dropFirst(marks.size());
                marks.put(e.occurredAtUs, e.eventId, null, null);
            }
        } else {
            marks.pendingFrom(EventLog.ALL);
            EventLog log = fold();
            if (log.remove(e.occurredAtUs, e.eventId)) {
                storeBase(log);
                marks.dropFirst(marks.size());
                if (log.size() > 0) {
                    marks.put(log.time(log.size() - 1), log.id(log.size() - 1), null, null);
                }
            }
        }
        if (!deriveNow) {
            scheduleDerivation(ctx, streaming, pending, marks);
        }
        logMarks.update(marks);
        if (!cleanupRegistered) {
            ctx.timerService().registerEventTimeTimer(cleanupAt(e.occurredAtUs));
        }
    }

    /**
     * The marks of the append-only layout. At the first access of a user whose state is one log (a
     * new user, or one restored from the other layout): taken from that log, its pending changes
     * derived from all events.
     */
    private EventLog marks() throws Exception {
        EventLog marks = logMarks.value();
        if (marks != null) {
            return marks;
        }
        EventLog log = log();
        marks = EventLog.empty(0, true);
        if (log.size() > 0) {
            marks.put(log.time(log.size() - 1), log.id(log.size() - 1), null, null);
        }
        marks.noteLsn(log.newestLsn());
        marks.pendingFrom(log.pendingFrom() == EventLog.CLEAN ? EventLog.CLEAN : EventLog.ALL);
        marks.pendingTimer(log.pendingTimer());
        marks.holdUntil(log.holdUntil());
        marks.lastStart(log.lastStart());
        return marks;
    }

    /**
     * All the user's events: the log with the appended and pending segments put in, stored as the
     * log again (the segments cleared) if there were any.
     */
    private EventLog fold() throws Exception {
        EventLog log = events.value();
        if (log == null) {
            log = EventLog.empty(0, true);
        }
        boolean any = false;
        for (EventLog segment : appendedSegments.get()) {
            log.putAll(segment);
            any = true;
        }
        for (EventLog segment : pendingSegments.get()) {
            log.putAll(segment);
            any = true;
        }
        if (any) {
            appendedSegments.clear();
            pendingSegments.clear();
            storeBase(log);
        }
        return log;
    }

    private void storeBase(EventLog log) throws Exception {
        if (log.size() == 0) {
            events.clear();
        } else {
            events.update(log);
        }
    }

    /** {@link #onTimer} in the append-only layout. */
    private void onTimerAppendOnly(OnTimerContext ctx, Collector<AnalyticsRow> out)
            throws Exception {
        EventLog marks = marks();
        if (marks.pendingFrom() != EventLog.CLEAN) {
            emitAppendOnly(
                    ctx.getCurrentKey(), marks, ctx.timerService().currentProcessingTime(), out);
        }
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME) {
            dropFinal(ctx, this::fold);
        }
    }

    /**
     * {@link #emitChanges} in the append-only layout: appends since the last derivation extend the
     * last session from the pending segments alone, which then join the appended ones; anything
     * else derives from all events.
     */
    private void emitAppendOnly(String user, EventLog marks, long now, Collector<AnalyticsRow> out)
            throws Exception {
        int pending = marks.pendingFrom();
        markDerived(marks, now);
        long next = nextVersion(marks);
        if (pending >= 0) {
            EventLog tail = EventLog.empty(0, true);
            for (EventLog segment : pendingSegments.get()) {
                tail.putAll(segment);
            }
            if (tail.size() > 0) {
                List<SessionEvent> appended = new ArrayList<>(tail.size());
                for (int i = 0; i < tail.size(); i++) {
                    appended.add(new SessionEvent(tail.time(i), tail.label(i)));
                }
                emitAppended(user, appended, next, marks, out);
                logMarks.update(marks);
                appendedSegments.add(tail);
                pendingSegments.clear();
                return;
            }
        }
        marks.lastStart(SessionRows.emitAll(user, sessionize(fold()), written, next, out));
        logMarks.update(marks);
    }

    static String sessionId(String user, long startedAtUs) {
        return Sessionizer.sessionId(user, startedAtUs);
    }
}
