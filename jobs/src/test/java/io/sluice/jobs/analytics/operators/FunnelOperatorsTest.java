package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import io.sluice.jobs.analytics.model.FunnelDelta;
import io.sluice.jobs.analytics.operators.FunnelBruteForce.Ev;
import io.sluice.jobs.analytics.setup.FunnelTables;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FunnelFunction} feeding {@link FunnelDailyFunction} in Flink's keyed harnesses: the newest
 * funnel_daily row per key (what ClickHouse shows with FINAL) equals the funnels computed by brute
 * force over the final events, through out-of-order inserts, corrections, deletes and a restore.
 */
class FunnelOperatorsTest {
    static final long S = 1_000_000L;
    static final long T0 = FunnelMatcherTest.T0;
    static final long HORIZON = 3_600_000L;
    static final EventProperties PROPERTIES = new EventProperties(List.of());

    private long lsn = 1_000;

    /** The two operators chained as in the job, and every row they wrote. */
    final class Pipeline implements AutoCloseable {
        final List<FunnelDefinition> funnels;
        KeyedOneInputStreamOperatorTestHarness<String, EventDelta, EventDelta> users;
        KeyedOneInputStreamOperatorTestHarness<String, FunnelDelta, AnalyticsRow> days;
        final List<AnalyticsRow> rows = new ArrayList<>();
        final List<EventDelta> forwarded = new ArrayList<>();
        private int forwardedSeen;
        private int rowsSeen;

        /**
         * Whether a watermark has been seen: before it (the snapshot) the function only marks the
         * days to derive, and derives them at the first watermark.
         */
        private boolean streaming;

        /** Whether the funnel operator keeps its events append-only, as on RocksDB. */
        private boolean appendOnly;

        Pipeline(List<FunnelDefinition> funnels, boolean appendOnly) throws Exception {
            this(funnels, true, appendOnly);
        }

        Pipeline(List<FunnelDefinition> funnels, boolean streaming, boolean appendOnly)
                throws Exception {
            this.funnels = funnels;
            this.streaming = streaming;
            this.appendOnly = appendOnly;
            open(null, null);
        }

        private void open(OperatorSubtaskState u, OperatorSubtaskState d) throws Exception {
            users =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new FunnelFunction(funnels, PROPERTIES, HORIZON, appendOnly)),
                            (EventDelta e) -> e.event.userId,
                            Types.STRING);
            days =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(new FunnelDailyFunction(funnels, HORIZON)),
                            FunnelDelta::key,
                            Types.STRING);
            if (u != null) {
                users.initializeState(u);
                days.initializeState(d);
            }
            users.open();
            days.open();
            forwardedSeen = 0;
            rowsSeen = 0;
            if (streaming) {
                // A restored operator has no watermark until the next one arrives.
                watermark(0);
            }
        }

        void send(int sign, CleanEvent e) throws Exception {
            lsn += 100;
            EventDelta delta = new EventDelta(sign, e, lsn);
            users.processElement(new StreamRecord<>(delta));
            if (streaming) {
                pump(lsn, lsn);
            } else {
                assertThat(users.getSideOutput(FunnelFunction.ATTEMPTS))
                        .as("attempts derived before the first watermark")
                        .isNullOrEmpty();
            }
            forwarded.add(delta);
        }

        /**
         * Feeds the attempts the function emitted to funnel-daily; each carries an LSN in [{@code
         * min}, {@code max}] (the change's own while streaming, the newest of the snapshot's).
         */
        private void pump(long min, long max) throws Exception {
            var attempts = users.getSideOutput(FunnelFunction.ATTEMPTS);
            while (attempts != null && !attempts.isEmpty()) {
                FunnelDelta fd = attempts.poll().getValue();
                assertThat(fd.lsn).isBetween(min, max);
                int before = days.extractOutputValues().size();
                days.processElement(new StreamRecord<>(fd));
                List<AnalyticsRow> all = days.extractOutputValues();
                for (AnalyticsRow r : all.subList(before, all.size())) {
                    assertThat(r.version).as("version of %s", r).isGreaterThanOrEqualTo(fd.lsn);
                }
            }
        }

        void watermark(long ms) throws Exception {
            users.processWatermark(new Watermark(ms));
            if (!streaming) {
                // The snapshot's attempts, derived once now, carry the newest LSN among the
                // changes that marked them.
                streaming = true;
            }
            pump(Long.MIN_VALUE, lsn);
            days.processWatermark(new Watermark(ms));
        }

        /** Restores from a snapshot, into the other layout if {@code switchLayout}. */
        void restart(boolean switchLayout) throws Exception {
            OperatorSubtaskState u = users.snapshot(1, 1);
            OperatorSubtaskState d = days.snapshot(1, 1);
            drain();
            close();
            appendOnly ^= switchLayout;
            open(u, d);
        }

        /**
         * Restores from a snapshot, into the other layout if {@code switchLayout}, and goes on as a
         * snapshot: no watermark until the next {@link #watermark}.
         */
        void restartAsSnapshot(boolean switchLayout) throws Exception {
            streaming = false;
            restart(switchLayout);
        }

        /** Collects the rows written since the last drain; checks the input went on unchanged. */
        void drain() {
            List<EventDelta> out = users.extractOutputValues();
            assertThat(out.subList(forwardedSeen, out.size())).isEqualTo(forwarded);
            forwardedSeen = out.size();
            forwarded.clear();
            List<AnalyticsRow> written = days.extractOutputValues();
            rows.addAll(written.subList(rowsSeen, written.size()));
            rowsSeen = written.size();
        }

        @Override
        public void close() throws Exception {
            users.close();
            days.close();
        }
    }

    static CleanEvent event(String id, String user, long us, String name, String path) {
        CleanEvent e = new CleanEvent();
        e.eventId = id;
        e.userId = user;
        e.occurredAtUs = us;
        e.eventName = name;
        e.propertiesJson = path == null ? "{}" : "{\"path\":\"" + path + "\"}";
        e.promoted = new String[0];
        e.counted = true;
        return e;
    }

    static Ev ev(CleanEvent e) {
        Map<String, String> props = new TreeMap<>();
        if (e.propertiesJson.contains("path")) {
            props.put("path", e.propertiesJson.replaceAll(".*\":\"([^\"]*)\".*", "$1"));
        }
        return new Ev(e.eventId, e.userId, e.occurredAtUs, e.eventName, props);
    }

    /**
     * Newest rows of one funnel with users, as "day step users median_micros"; checks that every
     * day has a row per step.
     */
    static List<String> rowsOf(FunnelDefinition funnel, List<AnalyticsRow> rows) {
        List<String> out = new ArrayList<>();
        Map<String, Integer> stepsPerDay = new TreeMap<>();
        for (AnalyticsRow r : RollupOperatorsTest.latest(rows).values()) {
            String f = FunnelTables.FUNNEL_DAILY_TABLE.get(r, "funnel");
            if (!f.equals(funnel.name())) {
                continue;
            }
            long day = LocalDate.parse(FunnelTables.FUNNEL_DAILY_TABLE.get(r, "day")).toEpochDay();
            String step = FunnelTables.FUNNEL_DAILY_TABLE.get(r, "step");
            long users = Long.parseLong(FunnelTables.FUNNEL_DAILY_TABLE.get(r, "users"));
            long median =
                    new BigDecimal(FunnelTables.FUNNEL_DAILY_TABLE.get(r, "median_seconds_to_step"))
                            .movePointRight(6)
                            .longValueExact();
            stepsPerDay.merge(Long.toString(day), 1, Integer::sum);
            if (users > 0) {
                out.add(day + " " + step + " " + users + " " + median);
            } else {
                assertThat(median).as("median without users, %s", r).isZero();
            }
        }
        assertThat(stepsPerDay.values())
                .as("rows per day of %s", funnel)
                .allMatch(n -> n == funnel.steps().size());
        out.sort(null);
        return out;
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void funnelDailyMatchesTheDefinitionThroughRandomChangesAndARestore(boolean appendOnly)
            throws Exception {
        List<FunnelDefinition> both =
                List.of(
                        FunnelDefinition.parse("pricing: a{path=/p} > b > c within 2 h"),
                        FunnelDefinition.parse("quick: a > b > c within 1 h strict"));
        List<FunnelDefinition> ordered =
                List.of(
                        FunnelDefinition.parse("pricing: a{path=/p} > b > c within 2 h"),
                        FunnelDefinition.parse("again: b > b within 30 min"));
        for (long seed = 1; seed <= 15; seed++) {
            // Streaming throughout; a snapshot then streaming from the restore on; all of it a
            // snapshot, derived at the end.
            for (int firstWatermarkAt : new int[] {0, 150, 300}) {
                // Odd seeds restore into the other layout.
                assertMatchesTheDefinition(both, seed, firstWatermarkAt, appendOnly);
                assertMatchesTheDefinition(ordered, seed, firstWatermarkAt, appendOnly);
            }
        }
    }

    private void assertMatchesTheDefinition(
            List<FunnelDefinition> funnels, long seed, int firstWatermarkAt, boolean appendOnly)
            throws Exception {
        Random random = new Random(seed);
        Map<String, CleanEvent> live = new TreeMap<>();
        try (Pipeline p = new Pipeline(funnels, firstWatermarkAt == 0, appendOnly)) {
            for (int i = 0; i < 300; i++) {
                if (i == 150) {
                    p.restart(seed % 2 == 1);
                }
                if (i == firstWatermarkAt && i > 0) {
                    p.watermark(0);
                }
                String id = "e" + random.nextInt(80);
                CleanEvent old = live.remove(id);
                if (old != null) {
                    p.send(-1, old);
                }
                if (old == null || random.nextInt(3) > 0) {
                    // Four users over two days, half of the events within 2 h of midnight (minutes:
                    // same-time events are frequent).
                    long us =
                            random.nextInt(2) == 0
                                    ? T0
                                            + FunnelBruteForce.DAY_US
                                            + (random.nextInt(240) - 120) * 60L * S
                                    : T0 + random.nextInt(2 * 86_400 / 600) * 600L * S;
                    CleanEvent e =
                            event(
                                    id,
                                    "u" + random.nextInt(4),
                                    us,
                                    List.of("a", "b", "c", "x").get(random.nextInt(4)),
                                    random.nextBoolean() ? "/p" : "/q");
                    live.put(id, e);
                    p.send(1, e);
                }
            }
            p.watermark(0);
            p.drain();
            List<Ev> finalEvents = live.values().stream().map(FunnelOperatorsTest::ev).toList();
            for (FunnelDefinition f : funnels) {
                assertThat(rowsOf(f, p.rows))
                        .as("seed %d, %s, append-only %s", seed, f, appendOnly)
                        .isEqualTo(FunnelBruteForce.daily(f, finalEvents));
            }
        }
    }

    /**
     * A stream as a live application writes it, mostly appended in time order, with users who only
     * ever send one event name (as in the bench) next to users who send all of them: the rows match
     * the definition after every change. On RocksDB most of these changes are added without reading
     * the user's log ({@code FunnelFunction.appendWithoutRead}). Restores switch the layout, and
     * one goes on as a snapshot that adds later events before the next watermark.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void appendedChangesMatchTheDefinitionAfterEveryChange(boolean appendOnly) throws Exception {
        List<FunnelDefinition> funnels =
                List.of(
                        FunnelDefinition.parse("pricing: a{path=/p} > b > c within 2 h"),
                        FunnelDefinition.parse("quick: a > b within 30 min strict"));
        List<String> names = List.of("a", "b", "c", "x");
        for (long seed = 1; seed <= 12; seed++) {
            Random random = new Random(seed);
            Map<String, CleanEvent> live = new TreeMap<>();
            long now = T0 + FunnelBruteForce.DAY_US - 3 * 3600 * S;
            int nextId = 0;
            try (Pipeline p = new Pipeline(funnels, appendOnly)) {
                for (int i = 0; i < 240; i++) {
                    if (i == 60 || i == 120) {
                        p.restart(true);
                    }
                    if (i == 180) {
                        p.restartAsSnapshot(seed % 2 == 0);
                    }
                    if (i == 200) {
                        p.watermark(0);
                    }
                    int kind = random.nextInt(10);
                    if (kind == 0 && !live.isEmpty()) {
                        List<String> ids = new ArrayList<>(live.keySet());
                        p.send(-1, live.remove(ids.get(random.nextInt(ids.size()))));
                    } else {
                        // Users u0..u3 send one name each; u4 and u5 any. Mostly after the
                        // latest event (sometimes at the same microsecond), else up to 3 h back.
                        int user = random.nextInt(6);
                        String name = user < 4 ? names.get(user) : names.get(random.nextInt(4));
                        long us =
                                kind == 1
                                        ? now - random.nextInt(3 * 3600) * S
                                        : (now += random.nextInt(4) * 300 * S);
                        CleanEvent e =
                                event(
                                        "n" + nextId++,
                                        "u" + user,
                                        us,
                                        name,
                                        random.nextInt(4) > 0 ? "/p" : "/q");
                        live.put(e.eventId, e);
                        p.send(1, e);
                    }
                    if (i < 180 || i >= 200) {
                        p.drain();
                        List<Ev> events =
                                live.values().stream().map(FunnelOperatorsTest::ev).toList();
                        for (FunnelDefinition f : funnels) {
                            assertThat(rowsOf(f, p.rows))
                                    .as(
                                            "seed %d, change %d, %s, append-only %s",
                                            seed, i, f, appendOnly)
                                    .isEqualTo(FunnelBruteForce.daily(f, events));
                        }
                    }
                }
            }
        }
    }

    /**
     * Events added in the other layout move the log's last event: an event put before them after
     * the restore goes in the middle, where it can start a better attempt (here: a strict chain
     * that the events between break for the earlier attempt).
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void anEventBeforeTheEventsAddedInTheOtherLayoutIsNotTakenAsAppended(boolean appendOnly)
            throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b > c within 1 h strict");
        try (Pipeline p = new Pipeline(List.of(f), appendOnly)) {
            p.send(1, event("1", "u", T0, "a", null));
            p.restart(true);
            p.send(1, event("2", "u", T0 + 300 * S, "x", null));
            p.send(1, event("3", "u", T0 + 600 * S, "b", null));
            p.send(1, event("4", "u", T0 + 1200 * S, "c", null));
            p.restart(true);
            p.send(1, event("5", "u", T0 + 420 * S, "a", null));
            p.drain();
            assertThat(rowsOf(f, p.rows))
                    .containsExactly("20777 1 1 0", "20777 2 1 180000000", "20777 3 1 780000000");
        }
    }

    /**
     * An event at the same microsecond as the log's last one goes before it when its id sorts
     * first: not appended, and here it starts the day's best attempt (and breaks the earlier one).
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void anEventAtTheLastEventsTimeThatSortsBeforeItIsNotTakenAsAppended(boolean appendOnly)
            throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b within 1 h strict");
        try (Pipeline p = new Pipeline(List.of(f), appendOnly)) {
            p.send(1, event("m", "u", T0, "a", null));
            p.send(1, event("z", "u", T0 + 300 * S, "b", null));
            p.drain();
            assertThat(rowsOf(f, p.rows)).containsExactly("20777 1 1 0", "20777 2 1 300000000");
            p.send(1, event("k", "u", T0 + 300 * S, "a", null));
            p.drain();
            assertThat(rowsOf(f, p.rows)).containsExactly("20777 1 1 0", "20777 2 1 0");
        }
    }

    /**
     * Changes that move no attempt are added to the log without reading it, and a read folds them
     * in once they are {@code FOLD_SEGMENTS}: a user that sends only second steps never has many
     * more unfolded.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void changesAddedWithoutAReadAreFoldedInBeforeTheyPileUp(boolean appendOnly) throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b within 1 h");
        try (Pipeline p = new Pipeline(List.of(f), appendOnly)) {
            for (int i = 0; i < 200; i++) {
                p.send(1, event("e" + i, "u", T0 + i * S, "b", null));
            }
            KeyedStateBackend<String> backend = p.users.getOperator().getKeyedStateBackend();
            backend.setCurrentKey("u");
            ListState<EventLog> segments =
                    backend.getPartitionedState(
                            VoidNamespace.INSTANCE,
                            VoidNamespaceSerializer.INSTANCE,
                            new ListStateDescriptor<>(
                                    "funnel-log-segments", new EventLogSerializer()));
            int n = 0;
            Iterable<EventLog> unfolded = segments.get(); // null: none
            for (EventLog ignored : unfolded == null ? List.<EventLog>of() : unfolded) {
                n++;
            }
            assertThat(n).isLessThan(2 * FunnelUserEvents.FOLD_SEGMENTS);
            p.drain();
            assertThat(rowsOf(f, p.rows)).isEmpty();
        }
    }

    /**
     * A change added without a read that is the user's first on a new day registers that day's
     * cleanup: the state goes once no change can reach either day.
     */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void aChangeOnANewDayKeepsItsStateUntilNoChangeCanReachThatDay(boolean appendOnly)
            throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b within 1 h strict");
        try (Pipeline p = new Pipeline(List.of(f), appendOnly)) {
            p.send(1, event("1", "u", T0 + 3600 * S, "a", null));
            // Starts no attempt, and no attempt starts on its day: changes no row.
            p.send(1, event("2", "u", T0 + FunnelBruteForce.DAY_US + 7200 * S, "x", null));
            long firstDayEndMs = (T0 + FunnelBruteForce.DAY_US) / 1000;
            long secondDayEndMs = firstDayEndMs + FunnelBruteForce.DAY_US / 1000;
            p.watermark(firstDayEndMs + 3_600_000L + HORIZON + 1);
            assertThat(p.users.numKeyedStateEntries()).isPositive();
            p.watermark(secondDayEndMs + 3_600_000L + HORIZON + 1);
            assertThat(p.users.numKeyedStateEntries()).isZero();
            assertThat(p.users.numEventTimeTimers()).isZero();
        }
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void everyStepOfADayHasARowAndADayWhoseAttemptsVanishKeepsItsRows(boolean appendOnly)
            throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b > c within 1 h");
        try (Pipeline p = new Pipeline(List.of(f), appendOnly)) {
            CleanEvent a = event("1", "u", T0, "a", null);
            p.send(1, a);
            p.send(1, event("2", "u", T0 + 90 * S, "b", null));
            p.drain();
            assertThat(rowsOf(f, p.rows)).containsExactly("20777 1 1 0", "20777 2 1 90000000");
            assertThat(RollupOperatorsTest.latest(p.rows)).hasSize(3); // step 3 with 0 users
            p.send(-1, a);
            p.drain();
            assertThat(rowsOf(f, p.rows)).isEmpty();
            assertThat(RollupOperatorsTest.latest(p.rows)).hasSize(3);
        }
    }

    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void stateIsDroppedOnceTheWatermarkPassesTheHorizon(boolean appendOnly) throws Exception {
        assertStateIsDroppedOnceTheWatermarkPassesTheHorizon(appendOnly, true);
    }

    /** The same for changes that came before the first watermark (a snapshot). */
    @ParameterizedTest(name = "append-only {0}")
    @ValueSource(booleans = {false, true})
    void stateOfSnapshotChangesIsDroppedOnceTheWatermarkPassesTheHorizon(boolean appendOnly)
            throws Exception {
        assertStateIsDroppedOnceTheWatermarkPassesTheHorizon(appendOnly, false);
    }

    private void assertStateIsDroppedOnceTheWatermarkPassesTheHorizon(
            boolean appendOnly, boolean streaming) throws Exception {
        FunnelDefinition f = FunnelDefinition.parse("f: a > b within 1 h strict");
        try (Pipeline p = new Pipeline(List.of(f), streaming, appendOnly)) {
            p.send(1, event("1", "u", T0 + 3600 * S, "a", null));
            p.send(1, event("2", "u", T0 + 3700 * S, "x", null));
            p.send(1, event("3", "v", T0 + 3800 * S, "b", null));
            long dayEndMs = (T0 + FunnelBruteForce.DAY_US) / 1000;
            // Until the end of the day + the window + the horizon, a change can still move it.
            p.watermark(dayEndMs + 3_600_000L + HORIZON - 1);
            assertThat(p.users.numKeyedStateEntries()).isPositive();
            assertThat(p.days.numKeyedStateEntries()).isPositive();
            p.watermark(dayEndMs + 3_600_000L + HORIZON + 1);
            assertThat(p.users.numKeyedStateEntries()).isZero();
            assertThat(p.days.numKeyedStateEntries()).isZero();
            assertThat(p.users.numEventTimeTimers()).isZero();
            assertThat(p.days.numEventTimeTimers()).isZero();
        }
    }
}
