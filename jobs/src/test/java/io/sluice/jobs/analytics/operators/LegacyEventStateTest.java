package io.sluice.jobs.analytics.operators;

import static io.sluice.jobs.analytics.operators.RollupOperatorsTest.delta;
import static io.sluice.jobs.analytics.operators.RollupOperatorsTest.event;
import static io.sluice.jobs.analytics.operators.RollupOperatorsTest.liveSessions;
import static io.sluice.jobs.analytics.operators.RollupOperatorsTest.settle;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.SessionEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.FormatOneEventLogSerializer;
import io.sluice.jobs.analytics.model.FunnelEvent;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A checkpoint of a build before {@link EventLog} holds a user's events as map entries ("events" of
 * sessionize, "funnel-events" of a funnel, keyed by {@code Sessionizer.eventKey}). Restored into
 * the current operators, they move into the log at the user's first access: the sessions and the
 * funnel's events are those of all events, not only of the ones after the upgrade.
 */
class LegacyEventStateTest {
    /** Writes a user's events as the earlier builds did, under the same state names. */
    static final class LegacyWriter extends KeyedProcessFunction<String, EventDelta, String> {
        private transient MapState<String, SessionEvent> sessionEvents;
        private transient MapState<String, FunnelEvent> funnelEvents;
        private transient ValueState<Boolean> dirty;
        private transient ValueState<long[]> pendingDays;
        private transient ValueState<Long> pendingLsn;
        private transient ValueState<Long> lastChangeMs;

        @Override
        public void open(OpenContext context) {
            sessionEvents =
                    getRuntimeContext()
                            .getMapState(
                                    new MapStateDescriptor<>(
                                            "events",
                                            Types.STRING,
                                            TypeInformation.of(SessionEvent.class)));
            funnelEvents =
                    getRuntimeContext()
                            .getMapState(
                                    new MapStateDescriptor<>(
                                            "funnel-events",
                                            Types.STRING,
                                            TypeInformation.of(FunnelEvent.class)));
            dirty =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("dirty", Types.BOOLEAN));
            pendingDays =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "pending-days",
                                            PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
            pendingLsn =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("pending-lsn", Types.LONG));
            lastChangeMs =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("last-change-ms", Types.LONG));
        }

        @Override
        public void processElement(EventDelta d, Context ctx, Collector<String> out)
                throws Exception {
            CleanEvent e = d.event;
            String key = Sessionizer.eventKey(e.occurredAtUs, e.eventId);
            sessionEvents.put(key, new SessionEvent(e.occurredAtUs, e.eventName));
            funnelEvents.put(
                    key, new FunnelEvent(e.occurredAtUs, new int[] {e.eventName.length()}));
            // As sessionize did: changed since the last derivation, which a timer will run.
            dirty.update(true);
            ctx.timerService().registerProcessingTimeTimer(1000);
            // As a funnel did before the first watermark: the days to derive, apart from the
            // newest LSN and the time of the last change.
            pendingDays.update(new long[] {10, 12});
            pendingLsn.update(50L);
            lastChangeMs.update(1_000L);
        }
    }

    /** Reads the funnel's events through {@link FunnelUserEvents}, as the funnel operator does. */
    static final class FunnelEventsReader extends KeyedProcessFunction<String, EventDelta, String> {
        private final boolean readFirst;
        private transient FunnelUserEvents events;

        FunnelEventsReader(boolean readFirst) {
            this.readFirst = readFirst;
        }

        @Override
        public void open(OpenContext context) {
            events = new FunnelUserEvents(getRuntimeContext(), 1);
        }

        @Override
        public void processElement(EventDelta d, Context ctx, Collector<String> out)
                throws Exception {
            if (readFirst) {
                events.dropBefore(Long.MIN_VALUE); // what the event timer does; drops nothing
            }
            EventLog log = events.put(d.event.occurredAtUs, d.event.eventId, new int[] {9}, true);
            out.collect(log.toString());
        }
    }

    /** Uses {@link FunnelSnapshotDays} as the funnel operator does before the first watermark. */
    static final class SnapshotDaysReader extends KeyedProcessFunction<String, EventDelta, String> {
        private final long markLsn;
        private transient FunnelSnapshotDays days;

        /** With {@code markLsn} 0, only reads; otherwise first marks days 5..6 at that LSN. */
        SnapshotDaysReader(long markLsn) {
            this.markLsn = markLsn;
        }

        @Override
        public void open(OpenContext context) {
            days = new FunnelSnapshotDays(getRuntimeContext(), 1);
        }

        @Override
        public void processElement(EventDelta d, Context ctx, Collector<String> out)
                throws Exception {
            String changing =
                    days.stillChanging(2_000, Long.MIN_VALUE)
                            + "/"
                            + days.stillChanging(60_000, Long.MIN_VALUE);
            if (markLsn != 0) {
                days.keep(days.mark(days.marked(), 0, 5, 6), markLsn, ctx.timerService());
            }
            FunnelSnapshotDays.Marked m = days.take();
            out.collect(changing + " " + Arrays.toString(m.days()) + "@" + m.lsn());
            out.collect(String.valueOf(days.take()));
        }
    }

    /**
     * Writes a user's events as the builds between {@link EventLog} and its pending-derivation
     * marks did: the log in format 1, and the marks in states of their own (the newest LSN, a
     * change pending, the events appended since the last derivation).
     */
    static final class MarksWriter extends KeyedProcessFunction<String, EventDelta, String> {
        private transient ValueState<EventLog> log;
        private transient ValueState<Long> changeLsn;
        private transient ValueState<Boolean> dirty;
        private transient ListState<SessionEvent> appended;

        @Override
        public void open(OpenContext context) {
            log =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "session-event-log",
                                            new FormatOneEventLogSerializer()));
            changeLsn =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("change-lsn", Types.LONG));
            dirty =
                    getRuntimeContext()
                            .getState(new ValueStateDescriptor<>("dirty", Types.BOOLEAN));
            appended =
                    getRuntimeContext()
                            .getListState(
                                    new ListStateDescriptor<>(
                                            "appended-events",
                                            TypeInformation.of(SessionEvent.class)));
        }

        @Override
        public void processElement(EventDelta d, Context ctx, Collector<String> out)
                throws Exception {
            CleanEvent e = d.event;
            EventLog l = log.value() == null ? EventLog.empty(0, true) : log.value();
            l.put(e.occurredAtUs, e.eventId, null, e.eventName);
            log.update(l);
            changeLsn.update(MARKS_LSN);
            dirty.update(true);
            appended.add(new SessionEvent(e.occurredAtUs, e.eventName));
            ctx.timerService().registerProcessingTimeTimer(1000);
        }
    }

    static final long MARKS_LSN = 5_000_000_000L;

    private static OperatorSubtaskState marksSnapshot() throws Exception {
        try (var legacy = harness(new MarksWriter())) {
            legacy.open();
            legacy.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "view"))));
            legacy.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T10:20:00Z", "click"))));
            return legacy.snapshot(1, 1);
        }
    }

    /**
     * The marks of a build that kept them apart from the log move into it: the pending change is
     * derived (by the restored timer, or with the next change), over all events, with a version at
     * or above the newest LSN that build saw.
     */
    @ParameterizedTest(name = "a change before the timer: {0}")
    @ValueSource(booleans = {false, true})
    void sessionizeTakesTheMarksOfAnEarlierBuild(boolean changeFirst) throws Exception {
        try (var h = RollupOperatorsTest.sessionizer(marksSnapshot())) {
            String expected = "2026-11-20 10:00:00..2026-11-20 10:20:00 2 view>click";
            if (changeFirst) {
                h.processElement(
                        new StreamRecord<>(
                                delta(1, event("c", "u", "2026-11-20T10:30:00Z", "view"))));
                expected = "2026-11-20 10:00:00..2026-11-20 10:30:00 3 view>view";
            }
            settle(h);
            List<AnalyticsRow> rows = h.extractOutputValues();
            assertThat(liveSessions(rows)).containsExactly(expected);
            assertThat(rows)
                    .allSatisfy(
                            r ->
                                    assertThat(Long.parseLong(r.get("_version")))
                                            .isGreaterThanOrEqualTo(MARKS_LSN));
            // Nothing is pending after that derivation: no rows without a change.
            h.getOutput().clear();
            settle(h);
            assertThat(h.extractOutputValues()).isEmpty();
        }
    }

    private static OperatorSubtaskState legacySnapshot() throws Exception {
        try (var legacy = harness(new LegacyWriter())) {
            legacy.open();
            legacy.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T10:20:00Z", "click"))));
            legacy.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "view"))));
            return legacy.snapshot(1, 1);
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, String> harness(
            KeyedProcessFunction<String, EventDelta, String> f) throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(f), (EventDelta d) -> d.event.userId, Types.STRING);
    }

    @Test
    void sessionizeReadsTheEventsOfAnEarlierBuild() throws Exception {
        try (var h = RollupOperatorsTest.sessionizer(legacySnapshot())) {
            // Out of order, so the sessions are derived from all of the user's events.
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:10:00Z", "view"))));
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:20:00 3 view>click");
        }
    }

    @Test
    void sessionizeKeepsTheEventsWhenATimerIsTheFirstAccessAfterTheRestore() throws Exception {
        try (var h = RollupOperatorsTest.sessionizer(legacySnapshot())) {
            settle(h); // the restored timer derives the rows from the migrated events
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:20:00 2 view>click");
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:10:00Z", "view"))));
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:20:00 3 view>click");
        }
    }

    @ParameterizedTest(name = "a change at LSN {0} first")
    @ValueSource(longs = {0, 40, 70})
    void funnelSnapshotDaysOfAnEarlierBuildAreDerivedWithTheNewOnes(long lsn) throws Exception {
        try (var h = harness(new SnapshotDaysReader(lsn))) {
            h.initializeState(legacySnapshot());
            h.open();
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:10:00Z", "view"))));
            // The earlier build marked days 10..12 at LSN 50, its last change at 1 s: still
            // changing at 2 s, quiet at 60 s. A change first widens the days and keeps the
            // newest LSN. Taken, nothing is left.
            String expected = lsn == 0 ? "[10, 12]@50" : lsn == 40 ? "[5, 12]@50" : "[5, 12]@70";
            assertThat(h.extractOutputValues()).containsExactly("true/false " + expected, "null");
        }
    }

    @ParameterizedTest(name = "read-only access first: {0}")
    @ValueSource(booleans = {false, true})
    void funnelEventsOfAnEarlierBuildMoveIntoTheLog(boolean readFirst) throws Exception {
        try (var h = harness(new FunnelEventsReader(readFirst))) {
            h.initializeState(legacySnapshot());
            h.open();
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:10:00Z", "view"))));
            long t = RollupOperatorsTest.ms("2026-11-20T10:00:00Z") * 1000;
            assertThat(h.extractOutputValues())
                    .containsExactly(
                            "EventLog["
                                    + t
                                    + "/a/4, "
                                    + (t + 600_000_000L)
                                    + "/c/9, "
                                    + (t + 1_200_000_000L)
                                    + "/b/5]");
        }
    }
}
