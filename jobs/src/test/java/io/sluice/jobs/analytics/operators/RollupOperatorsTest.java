package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.ActiveUsersDelta;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.SessionsDailyRow;
import io.sluice.jobs.analytics.model.StringKey;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The counting rollups, active users and sessionization with Flink's keyed harnesses: re-emitted
 * rows with rising versions, retractions, state dropped by the watermark, restore from a snapshot.
 */
class RollupOperatorsTest {
    private static long lsn = 1_000;

    /** A delta from a change at the next LSN (WAL positions only grow). */
    static EventDelta delta(int sign, CleanEvent e) {
        lsn += 100;
        return new EventDelta(sign, e, lsn);
    }

    static final long LATENESS = 3_600_000L;
    static final long GAP = 30 * 60_000L;
    static final long MAX = 24 * 3_600_000L;

    static CleanEvent event(String id, String user, String at, String name) {
        CleanEvent e = new CleanEvent();
        e.eventId = id;
        e.userId = user;
        e.occurredAtUs = Instant.parse(at).toEpochMilli() * 1000;
        e.eventName = name;
        e.propertiesJson = "{}";
        e.promoted = new String[0];
        e.counted = true;
        return e;
    }

    static long ms(String at) {
        return Instant.parse(at).toEpochMilli();
    }

    /** The newest row per key: what ClickHouse shows with FINAL. */
    static Map<String, AnalyticsRow> latest(List<AnalyticsRow> rows) {
        Map<String, AnalyticsRow> out = new TreeMap<>();
        for (AnalyticsRow r : rows) {
            AnalyticsRow before = out.get(r.key);
            assertThat(before == null || before.version < r.version)
                    .as("versions of %s rise: %s then %s", r.key, before, r)
                    .isTrue();
            out.put(r.key, r);
        }
        return out;
    }

    // --- events per minute ------------------------------------------------------------------

    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> rollup(
            RollupSpec spec) throws Exception {
        return rollup(spec, null);
    }

    /** An opened harness, restored from {@code snapshot} when there is one. */
    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> rollup(
            RollupSpec spec, OperatorSubtaskState snapshot) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new CountRollupFunction(spec, LATENESS)),
                        (EventDelta d) -> spec.key(d.event),
                        Types.STRING);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    @Test
    void eventsPerMinuteFollowCorrectionsAndDeletes() throws Exception {
        RollupSpec spec = RollupSpec.eventsPerWindow(AnalyticsTables.EVENTS_PER_MINUTE, 60_000L);
        try (var h = rollup(spec)) {
            CleanEvent a = event("a", "u1", "2026-11-20T10:00:05Z", "click");
            CleanEvent b = event("b", "u2", "2026-11-20T10:00:59.999Z", "click");
            CleanEvent bMoved = event("b", "u2", "2026-11-20T10:01:00Z", "click");
            h.processElement(new StreamRecord<>(delta(1, a)));
            h.processElement(new StreamRecord<>(delta(1, b)));
            h.processElement(new StreamRecord<>(delta(-1, b)));
            h.processElement(new StreamRecord<>(delta(1, bMoved)));
            Map<String, AnalyticsRow> rows = latest(h.extractOutputValues());
            assertThat(rows.values())
                    .extracting(
                            r ->
                                    r.get("minute")
                                            + " "
                                            + r.get("event_name")
                                            + " "
                                            + r.get("events"))
                    .containsExactly("2026-11-20 10:00:00 click 1", "2026-11-20 10:01:00 click 1");
        }
    }

    @Test
    void windowStateIsDroppedOnlyAfterTheLatenessAndSurvivesARestore() throws Exception {
        RollupSpec spec = RollupSpec.eventsPerWindow(AnalyticsTables.EVENTS_PER_MINUTE, 60_000L);
        CleanEvent a = event("a", "u1", "2026-11-20T10:00:05Z", "click");
        OperatorSubtaskState snapshot;
        try (var h = rollup(spec)) {
            h.processElement(new StreamRecord<>(delta(1, a)));
            h.processElement(new StreamRecord<>(delta(1, a)));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = rollup(spec, snapshot)) {
            // One millisecond before window end + lateness: an allowed-late event still counts.
            h.processWatermark(new Watermark(ms("2026-11-20T11:01:00Z") - 1));
            EventDelta third = delta(1, a);
            h.processElement(new StreamRecord<>(third));
            AnalyticsRow row = h.extractOutputValues().get(0);
            assertThat(row.get("events")).isEqualTo("3");
            // WAL-anchored: the version is the change's LSN, above the restored one.
            assertThat(row.version).isEqualTo(third.lsn);
            assertThat(h.numKeyedStateEntries()).isEqualTo(2);
            h.processWatermark(new Watermark(ms("2026-11-20T11:01:00Z")));
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    @Test
    void sessionsDailyHasARowForEveryUserDayWithEvents() throws Exception {
        // The dbt model: GROUP BY user_id, toStartOfDay(occurred_at) over all events, countIf for
        // starts and ends; a user-day with events but neither is a 0/0 row.
        RollupSpec spec = RollupSpec.sessionsDaily();
        try (var h = rollup(spec)) {
            for (CleanEvent e :
                    List.of(
                            event("1", "u1", "2026-11-20T10:00:00Z", "session_start"),
                            event("2", "u1", "2026-11-20T11:00:00Z", "session_start"),
                            event("3", "u1", "2026-11-20T11:30:00Z", "session_end"),
                            event("5", "u1", "2026-11-20T11:40:00Z", "click"),
                            event("4", "u1", "2026-11-21T00:00:00Z", "session_end"),
                            event("6", "u2", "2026-11-21T09:00:00Z", "click"),
                            event("7", "u2", "2026-11-21T09:05:00Z", "page_view"))) {
                assertThat(spec.accepts(e)).isTrue();
                h.processElement(new StreamRecord<>(delta(1, e)));
            }
            // A deleted click: the user-day keeps its row, with one event fewer.
            h.processElement(
                    new StreamRecord<>(
                            delta(-1, event("7", "u2", "2026-11-21T09:05:00Z", "page_view"))));
            assertThat(latest(h.extractOutputValues()).values())
                    .extracting(
                            r ->
                                    r.get("session_day_user")
                                            + " "
                                            + r.get("user_id")
                                            + " "
                                            + r.get("session_day")
                                            + " "
                                            + r.get("starts")
                                            + " "
                                            + r.get("ends")
                                            + " "
                                            + r.get("events"))
                    .containsExactlyInAnyOrder(
                            "2026-11-20|u1 u1 2026-11-20 2 1 4",
                            "2026-11-21|u1 u1 2026-11-21 0 1 1",
                            "2026-11-21|u2 u2 2026-11-21 0 0 1");
        }
    }

    @Test
    void sessionsDailyRestoredFromAnOlderReleaseCountsOnWithItsEvents() throws Exception {
        // Before sessions_daily counted all events, its state held two counts per key (starts,
        // ends) and only session_start/session_end reached it.
        RollupSpec current = RollupSpec.sessionsDaily();
        RollupSpec older = new OlderSessionsDaily();
        OperatorSubtaskState snapshot;
        try (var h = rollup(older)) {
            h.processElement(
                    new StreamRecord<>(
                            delta(1, event("1", "u1", "2026-11-20T10:00:00Z", "session_start"))));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = rollup(current, snapshot)) {
            h.processElement(
                    new StreamRecord<>(
                            delta(1, event("2", "u1", "2026-11-20T10:05:00Z", "click"))));
            h.processElement(
                    new StreamRecord<>(
                            delta(1, event("3", "u1", "2026-11-20T10:30:00Z", "session_end"))));
            assertThat(latest(h.extractOutputValues()).values())
                    .extracting(r -> r.get("starts") + " " + r.get("ends") + " " + r.get("events"))
                    .containsExactly("1 1 2");
        }
    }

    /** sessions_daily as the release before its events column counted it (serializable). */
    static final class OlderSessionsDaily implements RollupSpec {
        private static final RollupSpec current = RollupSpec.sessionsDaily();

        @Override
        public String name() {
            return current.name();
        }

        @Override
        public boolean accepts(CleanEvent e) {
            return e.eventName.startsWith("session_");
        }

        @Override
        public String key(CleanEvent e) {
            return current.key(e);
        }

        @Override
        public long windowEndMs(CleanEvent e) {
            return current.windowEndMs(e);
        }

        @Override
        public long[] increments(CleanEvent e) {
            return e.eventName.equals("session_start") ? new long[] {1, 0} : new long[] {0, 1};
        }

        @Override
        public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
            return new SessionsDailyRow(
                            Math.floorDiv(e.occurredAtMs(), 86_400_000L),
                            e.userId,
                            counts[0],
                            counts[1],
                            0,
                            version)
                    .encode();
        }
    }

    // --- active users -------------------------------------------------------------------------

    /** Runs deltas through user-activity, then its output through active-users-daily. */
    static Map<Long, long[]> activeUsers(List<EventDelta> deltas, long watermark) throws Exception {
        List<ActiveUsersDelta> perDay = new ArrayList<>();
        try (var users =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new UserActivityFunction(LATENESS)),
                        (EventDelta d) -> d.event.userId,
                        Types.STRING)) {
            users.open();
            for (EventDelta d : deltas) {
                users.processElement(new StreamRecord<>(d));
            }
            users.processWatermark(new Watermark(watermark));
            // It passes every delta on, in order, for the user-keyed operator chained after it.
            assertThat(users.extractOutputValues()).containsExactlyElementsOf(deltas);
            for (StreamRecord<ActiveUsersDelta> r :
                    users.getSideOutput(UserActivityFunction.ACTIVITY)) {
                perDay.add(r.getValue());
            }
        }
        Map<Long, long[]> out = new TreeMap<>();
        try (var days =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new ActiveUsersDailyFunction(LATENESS)),
                        (ActiveUsersDelta a) -> a.day,
                        Types.LONG)) {
            days.open();
            for (ActiveUsersDelta a : perDay) {
                days.processElement(new StreamRecord<>(a));
            }
            for (AnalyticsRow r : latest(days.extractOutputValues()).values()) {
                long[] v = {
                    Long.parseLong(r.get("dau")),
                    Long.parseLong(r.get("wau")),
                    Long.parseLong(r.get("mau"))
                };
                if (v[0] != 0 || v[1] != 0 || v[2] != 0) {
                    out.put(Long.parseLong(r.key), v);
                }
            }
        }
        return out;
    }

    /** DAU/WAU/MAU straight from the definition: distinct users in [D, D], [D-6, D], [D-29, D]. */
    static Map<Long, long[]> activeUsersByDefinition(List<CleanEvent> events) {
        Map<Long, java.util.Set<String>> usersByDay = new HashMap<>();
        for (CleanEvent e : events) {
            usersByDay
                    .computeIfAbsent(
                            Math.floorDiv(e.occurredAtMs(), 86_400_000L),
                            d -> new java.util.HashSet<>())
                    .add(e.userId);
        }
        Map<Long, long[]> out = new TreeMap<>();
        for (long d : usersByDay.keySet()) {
            for (long day = d; day < d + 30; day++) {
                long[] v = new long[3];
                int[] spans = {1, 7, 30};
                for (int i = 0; i < 3; i++) {
                    java.util.Set<String> users = new java.util.HashSet<>();
                    for (long x = day - spans[i] + 1; x <= day; x++) {
                        users.addAll(usersByDay.getOrDefault(x, java.util.Set.of()));
                    }
                    v[i] = users.size();
                }
                out.put(day, v);
            }
        }
        return out;
    }

    @Test
    void activeUsersMatchTheirDefinitionThroughRandomCorrectionsAndDeletes() throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            java.util.Random random = new java.util.Random(seed);
            Map<String, CleanEvent> live = new TreeMap<>();
            List<EventDelta> deltas = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                String id = "e" + random.nextInt(150);
                CleanEvent old = live.remove(id);
                if (old != null) {
                    deltas.add(delta(-1, old));
                }
                if (old == null || random.nextInt(3) > 0) {
                    CleanEvent e =
                            event(
                                    id,
                                    "u" + random.nextInt(12),
                                    Instant.parse("2026-10-01T00:00:00Z")
                                            .plusSeconds(random.nextInt(45 * 86_400))
                                            .toString(),
                                    "x");
                    live.put(id, e);
                    deltas.add(delta(1, e));
                }
            }
            assertThat(activeUsers(deltas, Long.MIN_VALUE))
                    .as("seed %d", seed)
                    .usingRecursiveComparison()
                    .isEqualTo(activeUsersByDefinition(new ArrayList<>(live.values())));
        }
    }

    @Test
    void aUsersDaysLeaveStateOnceNoChangeCanReachThemAndARestoreKeepsThatPending()
            throws Exception {
        OperatorSubtaskState snapshot;
        try (var users = userActivity(null)) {
            users.processElement(
                    new StreamRecord<>(delta(1, event("a", "7", "2026-11-01T10:00:00Z", "x"))));
            users.processElement(
                    new StreamRecord<>(delta(1, event("b", "7", "2026-11-01T11:00:00Z", "x"))));
            users.processElement(
                    new StreamRecord<>(delta(1, event("c", "7", "2026-11-03T11:00:00Z", "x"))));
            users.processElement(
                    new StreamRecord<>(delta(-1, event("c", "7", "2026-11-03T11:00:00Z", "x"))));
            users.processElement(
                    new StreamRecord<>(delta(1, event("d", "7", "2026-11-03T12:00:00Z", "x"))));
            assertThat(activeDays(users)).containsExactly(20758L, 20760L); // 1 and 3 November
            snapshot = users.snapshot(1, 1);
        }
        try (var users = userActivity(snapshot)) {
            // The MAU of 1 November reaches to 30 November: the day stays until a change that
            // late could not reach it (its month, one more day and the lateness).
            long nov1 = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
            long gone = nov1 + 31 * 86_400_000L + LATENESS;
            users.processWatermark(new Watermark(gone - 1));
            assertThat(activeDays(users)).containsExactly(20758L, 20760L);
            users.processWatermark(new Watermark(gone));
            assertThat(activeDays(users)).containsExactly(20760L);
            users.processWatermark(new Watermark(gone + 2 * 86_400_000L));
            assertThat(activeDays(users)).isEmpty();
        }
    }

    /** The epoch days user 7's activity state holds. */
    private static List<Long> activeDays(
            KeyedOneInputStreamOperatorTestHarness<String, EventDelta, EventDelta> users)
            throws Exception {
        KeyedStateBackend<String> backend = users.getOperator().getKeyedStateBackend();
        backend.setCurrentKey("7");
        MapState<Long, Long> days =
                backend.getPartitionedState(
                        VoidNamespace.INSTANCE,
                        VoidNamespaceSerializer.INSTANCE,
                        new MapStateDescriptor<>("events-per-day", Types.LONG, Types.LONG));
        List<Long> out = new ArrayList<>();
        days.keys().forEach(out::add);
        Collections.sort(out);
        return out;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, EventDelta>
            userActivity(OperatorSubtaskState snapshot) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new UserActivityFunction(LATENESS)),
                        (EventDelta d) -> d.event.userId,
                        Types.STRING);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    @Test
    void oneActiveDayCountsInItsDayItsWeekAndItsMonth() throws Exception {
        Map<Long, long[]> got =
                activeUsers(
                        List.of(delta(1, event("a", "u1", "2026-11-10T12:00:00Z", "x"))),
                        Long.MIN_VALUE);
        long day = ms("2026-11-10T00:00:00Z") / 86_400_000L;
        assertThat(got).hasSize(30);
        assertThat(got.get(day)).containsExactly(1, 1, 1);
        assertThat(got.get(day + 6)).containsExactly(0, 1, 1);
        assertThat(got.get(day + 7)).containsExactly(0, 0, 1);
        assertThat(got.get(day + 29)).containsExactly(0, 0, 1);
    }

    // --- sessions -----------------------------------------------------------------------------

    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> sessionizer()
            throws Exception {
        return sessionizer(null);
    }

    /** An opened harness, restored from {@code snapshot} when there is one. */
    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> sessionizer(
            OperatorSubtaskState snapshot) throws Exception {
        return sessionizer(snapshot, false);
    }

    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> sessionizer(
            boolean appendOnly) throws Exception {
        return sessionizer(null, appendOnly);
    }

    /**
     * An opened harness, restored from {@code snapshot} when there is one, keeping its events in
     * the append-only layout (as on RocksDB) or as one log per user (the heap backend's).
     */
    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> sessionizer(
            OperatorSubtaskState snapshot, boolean appendOnly) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new SessionizeFunction(GAP, MAX, LATENESS, appendOnly)),
                        (EventDelta d) -> d.event.userId,
                        StringKey.TYPE); // as the job keys it
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        // Streaming: a watermark exists, so rows are derived on processing-time timers.
        h.processWatermark(new Watermark(Long.MIN_VALUE + 1));
        h.setProcessingTime(0);
        return h;
    }

    /** Lets a second of processing time pass: the sessionizer writes what changed. */
    static void settle(KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> h)
            throws Exception {
        h.setProcessingTime(h.getProcessingTime() + 1000);
    }

    /** Live sessions as "start..end events entry>exit" (UTC times), from the newest rows. */
    static List<String> liveSessions(List<AnalyticsRow> rows) {
        List<String> out = new ArrayList<>();
        for (AnalyticsRow r : latest(rows).values()) {
            if (r.get("_is_deleted").equals("0")) {
                out.add(
                        r.get("started_at")
                                + ".."
                                + r.get("ended_at")
                                + " "
                                + r.get("events")
                                + " "
                                + r.get("entry_event")
                                + ">"
                                + r.get("exit_event"));
            }
        }
        out.sort(null);
        return out;
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void anOutOfOrderEventBridgingTwoSessionsMergesThem(boolean appendOnly) throws Exception {
        try (var h = sessionizer(appendOnly)) {
            h.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "open"))));
            h.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T10:50:00Z", "buy"))));
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly(
                            "2026-11-20 10:00:00..2026-11-20 10:00:00 1 open>open",
                            "2026-11-20 10:50:00..2026-11-20 10:50:00 1 buy>buy");
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:25:00Z", "view"))));
            settle(h);
            List<AnalyticsRow> rows = h.extractOutputValues();
            assertThat(liveSessions(rows))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:50:00 3 open>buy");
            // The merged session keeps the earlier one's id; the later one is deleted.
            String earlier = SessionizeFunction.sessionId("u", ms("2026-11-20T10:00:00Z") * 1000);
            String later = SessionizeFunction.sessionId("u", ms("2026-11-20T10:50:00Z") * 1000);
            Map<String, AnalyticsRow> newest = latest(rows);
            assertThat(newest.get("u|" + earlier).get("_is_deleted")).isEqualTo("0");
            assertThat(newest.get("u|" + later).get("_is_deleted")).isEqualTo("1");

            // Deleting the bridge splits them again.
            h.processElement(
                    new StreamRecord<>(delta(-1, event("c", "u", "2026-11-20T10:25:00Z", "view"))));
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly(
                            "2026-11-20 10:00:00..2026-11-20 10:00:00 1 open>open",
                            "2026-11-20 10:50:00..2026-11-20 10:50:00 1 buy>buy");
        }
    }

    /**
     * While streaming, an append to a user with nothing pending is derived at once, without a
     * timer; changes within the second after a derivation, and any change that is not an append,
     * wait for the next second's timer, so a busy user is still derived about once a second.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void aQuietUsersAppendIsDerivedAtOnceAndABusyUsersChangesWaitForTheNextSecond(
            boolean appendOnly) throws Exception {
        try (var h = sessionizer(appendOnly)) {
            h.setProcessingTime(500);
            h.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "open"))));
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:00:00 1 open>open");
            assertThat(h.numProcessingTimeTimers()).isZero();

            // Within the same second: both wait for the next second's timer.
            h.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T10:01:00Z", "view"))));
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T10:02:00Z", "buy"))));
            assertThat(h.extractOutputValues()).hasSize(1);
            assertThat(h.numProcessingTimeTimers()).isEqualTo(1);
            h.setProcessingTime(1000);
            assertThat(h.extractOutputValues()).hasSize(2);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 10:02:00 3 open>buy");

            // A second after that derivation, an append is derived at once again.
            h.setProcessingTime(2000);
            h.processElement(
                    new StreamRecord<>(delta(1, event("d", "u", "2026-11-20T11:00:00Z", "view"))));
            assertThat(h.numProcessingTimeTimers()).isZero();
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly(
                            "2026-11-20 10:00:00..2026-11-20 10:02:00 3 open>buy",
                            "2026-11-20 11:00:00..2026-11-20 11:00:00 1 view>view");

            // An event before others is not an append: it waits for the timer.
            h.setProcessingTime(4000);
            h.processElement(
                    new StreamRecord<>(delta(1, event("e", "u", "2026-11-20T10:30:00Z", "x"))));
            assertThat(h.extractOutputValues()).hasSize(3);
            h.setProcessingTime(5000);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly("2026-11-20 10:00:00..2026-11-20 11:00:00 5 open>view");
        }
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void aGapOfExactlyThirtyMinutesKeepsTheSessionAndTwentyFourHoursEndIt(boolean appendOnly)
            throws Exception {
        try (var h = sessionizer(appendOnly)) {
            h.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "x"))));
            h.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T10:30:00Z", "x"))));
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T11:00:00.001Z", "x"))));
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly(
                            "2026-11-20 10:00:00..2026-11-20 10:30:00 2 x>x",
                            "2026-11-20 11:00:00..2026-11-20 11:00:00 1 x>x");
        }
        try (var h = sessionizer(appendOnly)) {
            Instant t = Instant.parse("2026-11-20T00:00:00Z");
            for (int i = 0; i <= 30 * 6; i++) { // every 10 minutes for 30 hours
                h.processElement(
                        new StreamRecord<>(
                                delta(
                                        1,
                                        event(
                                                "e" + i,
                                                "bot",
                                                t.plusSeconds(600L * i).toString(),
                                                "x"))));
            }
            settle(h);
            assertThat(liveSessions(h.extractOutputValues()))
                    .containsExactly(
                            "2026-11-20 00:00:00..2026-11-20 23:50:00 144 x>x",
                            "2026-11-21 00:00:00..2026-11-21 06:00:00 37 x>x");
        }
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void finishedSessionsLeaveStateAndARestoreKeepsOpenOnes(boolean appendOnly) throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = sessionizer(appendOnly)) {
            h.processElement(
                    new StreamRecord<>(delta(1, event("a", "u", "2026-11-20T10:00:00Z", "x"))));
            h.processElement(
                    new StreamRecord<>(delta(1, event("b", "u", "2026-11-20T13:00:00Z", "y"))));
            settle(h);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = sessionizer(snapshot, appendOnly)) {
            // 10:00 + gap + lateness = 11:30 (timers are rounded up to the minute): the 10:00
            // session is final; the 13:00 one is still open.
            h.processWatermark(new Watermark(ms("2026-11-20T11:31:00Z")));
            h.processElement(
                    new StreamRecord<>(delta(1, event("c", "u", "2026-11-20T13:10:00Z", "z"))));
            settle(h);
            List<AnalyticsRow> rows = h.extractOutputValues();
            assertThat(liveSessions(rows))
                    .containsExactly("2026-11-20 13:00:00..2026-11-20 13:10:00 2 y>z");
            h.processWatermark(new Watermark(Long.MAX_VALUE - LATENESS));
            assertThat(h.numKeyedStateEntries()).isZero();
        }
    }

    /**
     * An event after all others whose cleanup minute is the last one's shares that event's timer;
     * any other registers its own; and once the watermark passes them all, nothing is left.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void inOrderEventsShareTheirCleanupTimerAndStillLeaveState(boolean appendOnly)
            throws Exception {
        try (var h = sessionizer(appendOnly)) {
            for (String at : List.of("10:00:00", "10:00:20", "10:00:40", "10:05:00", "09:59:00")) {
                h.processElement(
                        new StreamRecord<>(
                                delta(1, event(at, "u", "2026-11-20T" + at + "Z", "x"))));
            }
            settle(h);
            // Cleanup minutes: 10:31 (three events), 10:36, and 10:30 (out of order); plus the
            // streaming harness's first-watermark timer, already fired.
            assertThat(h.numEventTimeTimers()).isEqualTo(3);
            h.processWatermark(new Watermark(ms("2026-11-20T11:36:00Z")));
            assertThat(h.numKeyedStateEntries()).isZero();
            assertThat(h.numEventTimeTimers()).isZero();
        }
    }

    /** A sessionizer that has seen no watermark yet (a snapshot is running). */
    static KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow>
            snapshotSessionizer(boolean appendOnly) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(
                                new SessionizeFunction(GAP, MAX, LATENESS, appendOnly)),
                        (EventDelta d) -> d.event.userId,
                        Types.STRING);
        h.open();
        h.setProcessingTime(0);
        return h;
    }

    /** Adds event {@code id} "x" of user "u" at 2026-11-20 00:00 + {@code minute} minutes. */
    static void addAtMinute(
            KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> h,
            String id,
            long minute)
            throws Exception {
        String at = Instant.parse("2026-11-20T00:00:00Z").plusSeconds(60 * minute).toString();
        h.processElement(new StreamRecord<>(delta(1, event(id, "u", at, "x"))));
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void snapshotRowsAreSessionizedOnceAtTheFirstWatermark(boolean appendOnly) throws Exception {
        var h = snapshotSessionizer(appendOnly);
        for (int i = 0; i < 50; i++) {
            addAtMinute(h, "e" + i, i);
        }
        settle(h);
        assertThat(h.extractOutputValues()).as("no watermark yet: nothing derived").isEmpty();
        h.processWatermark(new Watermark(ms("2026-11-20T00:10:00Z")));
        List<AnalyticsRow> rows = h.extractOutputValues();
        assertThat(rows).as("one row, derived once").hasSize(1);
        assertThat(liveSessions(rows))
                .containsExactly("2026-11-20 00:00:00..2026-11-20 00:49:00 50 x>x");
        h.close();
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void withoutAWatermarkAUserIsSessionizedOnceItsChangesPauseForTenSeconds(boolean appendOnly)
            throws Exception {
        var h = snapshotSessionizer(appendOnly);
        // A long snapshot: a change of the user every 4 s for a minute.
        for (int i = 0; i < 15; i++) {
            h.setProcessingTime(4_000L * i + 1);
            addAtMinute(h, "e" + i, (i * 7) % 15);
        }
        assertThat(h.extractOutputValues()).as("still changing: nothing derived").isEmpty();
        long last = 4_000L * 14 + 1;
        h.setProcessingTime(last + SessionizeFunction.SNAPSHOT_QUIET_MS - 1);
        assertThat(h.extractOutputValues()).as("quiet for less than 10 s").isEmpty();
        h.setProcessingTime(last + 2 * SessionizeFunction.SNAPSHOT_QUIET_MS);
        List<AnalyticsRow> rows = h.extractOutputValues();
        assertThat(rows).as("one row, derived once").hasSize(1);
        assertThat(liveSessions(rows))
                .containsExactly("2026-11-20 00:00:00..2026-11-20 00:14:00 15 x>x");
        h.close();
    }

    /** Sessions straight from the definition, as "user start end events entry exit". */
    static List<String> sessionsByDefinition(List<CleanEvent> events) {
        List<CleanEvent> sorted = new ArrayList<>(events);
        sorted.sort(
                java.util.Comparator.comparing((CleanEvent e) -> e.userId)
                        .thenComparingLong(e -> e.occurredAtUs)
                        .thenComparing(e -> e.eventId));
        List<String> out = new ArrayList<>();
        CleanEvent first = null;
        CleanEvent last = null;
        int n = 0;
        for (CleanEvent e : sorted) {
            boolean starts =
                    first == null
                            || !e.userId.equals(first.userId)
                            || e.occurredAtUs - last.occurredAtUs > GAP * 1000
                            || e.occurredAtUs - first.occurredAtUs >= MAX * 1000;
            if (starts) {
                if (first != null) {
                    out.add(describe(first, last, n));
                }
                first = e;
                n = 0;
            }
            last = e;
            n++;
        }
        if (first != null) {
            out.add(describe(first, last, n));
        }
        out.sort(null);
        return out;
    }

    private static String describe(CleanEvent first, CleanEvent last, int n) {
        return first.userId
                + " "
                + first.occurredAtUs
                + " "
                + last.occurredAtUs
                + " "
                + n
                + " "
                + first.eventName
                + " "
                + last.eventName;
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void sessionsMatchTheirDefinitionThroughRandomOutOfOrderCorrectionsAndDeletes(
            boolean appendOnly) throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            assertSessionsMatchTheDefinition(seed, false, appendOnly, appendOnly);
        }
    }

    /**
     * Mostly in-order streams (the derivation then only extends the last session), with gaps around
     * the 30-minute edge, a busy user reaching the 24 h cap, an occasional out-of-order event,
     * correction or delete, and a restore from a snapshot half-way.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void sessionsMatchTheirDefinitionThroughMostlyInOrderStreamsAndARestore(boolean appendOnly)
            throws Exception {
        for (long seed = 1; seed <= 20; seed++) {
            // Odd seeds restore into the same layout, even ones into the other.
            assertSessionsMatchTheDefinition(
                    seed, true, appendOnly, seed % 2 == 1 ? appendOnly : !appendOnly);
        }
    }

    private static void assertSessionsMatchTheDefinition(
            long seed, boolean mostlyInOrder, boolean appendOnly, boolean restoredAppendOnly)
            throws Exception {
        java.util.Random random = new java.util.Random(seed);
        Map<String, CleanEvent> live = new TreeMap<>();
        List<AnalyticsRow> rows = new ArrayList<>();
        Map<String, Long> clock = new java.util.HashMap<>();
        var h = sessionizer(appendOnly);
        try {
            for (int i = 0; i < 400; i++) {
                if (mostlyInOrder && i == 200) {
                    OperatorSubtaskState snapshot = h.snapshot(1, 1);
                    rows.addAll(h.extractOutputValues());
                    h.close();
                    h = sessionizer(snapshot, restoredAppendOnly);
                }
                String id = "e" + random.nextInt(mostlyInOrder ? 1000 : 200);
                CleanEvent old = live.remove(id);
                if (old != null) {
                    h.processElement(new StreamRecord<>(delta(-1, old)));
                }
                if (old == null || random.nextInt(3) > 0) {
                    // Three users over two days; gaps around 30 minutes are frequent, and
                    // one user is busy enough to reach the 24 h cap.
                    String user = "u" + random.nextInt(3);
                    long second;
                    if (mostlyInOrder) {
                        long now = clock.getOrDefault(user, 0L);
                        int step =
                                switch (random.nextInt(6)) {
                                    case 0 -> 1800 - 1 + random.nextInt(3); // the gap's edge
                                    case 1 -> 3 * 3600;
                                    case 2 -> 0; // the same instant
                                    default -> random.nextInt(user.equals("u0") ? 900 : 1700);
                                };
                        second = now + step;
                        clock.put(user, second);
                        if (random.nextInt(20) == 0) {
                            second = Math.max(0, now - random.nextInt(7200)); // out of order
                        }
                    } else {
                        second = random.nextInt(user.equals("u0") ? 40 * 3600 : 20 * 3600);
                    }
                    CleanEvent e =
                            event(
                                    id,
                                    user,
                                    Instant.parse("2026-11-20T00:00:00Z")
                                            .plusSeconds(second)
                                            .toString(),
                                    "n" + random.nextInt(4));
                    live.put(id, e);
                    h.processElement(new StreamRecord<>(delta(1, e)));
                }
                if (random.nextInt(4) == 0) {
                    settle(h); // rows derived after a random number of changes
                }
            }
            settle(h);
            rows.addAll(h.extractOutputValues());
        } finally {
            h.close();
        }
        List<String> got = new ArrayList<>();
        for (AnalyticsRow r : latest(rows).values()) {
            if (r.get("_is_deleted").equals("0")) {
                got.add(
                        r.get("user_id")
                                + " "
                                + r.get("started_at_us")
                                + " "
                                + r.get("ended_at_us")
                                + " "
                                + r.get("events")
                                + " "
                                + r.get("entry_event")
                                + " "
                                + r.get("exit_event"));
            }
        }
        got.sort(null);
        assertThat(got)
                .as(
                        "seed %d, mostly in order: %s, append-only %s then %s",
                        seed, mostlyInOrder, appendOnly, restoredAppendOnly)
                .isEqualTo(sessionsByDefinition(new ArrayList<>(live.values())));
    }
}
