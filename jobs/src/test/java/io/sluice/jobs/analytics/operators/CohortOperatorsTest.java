package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.FeatureDefinition;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.setup.CohortTables;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link UserCohortFunction} chained into {@link CohortWeeklyFunction} with Flink's keyed
 * harnesses, compared with the definitions of retention and feature adoption computed here, by
 * brute force, from the events that remain.
 */
class CohortOperatorsTest {
    static final List<FeatureDefinition> FEATURES =
            List.of(
                    FeatureDefinition.parse("buy"),
                    FeatureDefinition.parse("click"),
                    FeatureDefinition.parse("click.button"));

    /** A Monday. */
    static final Instant START = Instant.parse("2026-01-05T00:00:00Z");

    static final String JSON_NULL = "<json null>";
    private static long lsn = 1_000;

    /** An event of the test: {@code button} null when absent, "7" written as a JSON number. */
    record Ev(String id, String user, long second, String name, String button) {
        CleanEvent clean() {
            CleanEvent e = new CleanEvent();
            e.eventId = id;
            e.userId = user;
            e.occurredAtUs = START.plusSeconds(second).toEpochMilli() * 1000;
            e.eventName = name;
            e.propertiesJson =
                    button == null
                            ? "{\"plan\":\"pro\"}"
                            : button.equals(JSON_NULL)
                                    ? "{\"button\":null}"
                                    : button.equals("7")
                                            ? "{\"button\":7}"
                                            : "{\"button\":\"" + button + "\"}";
            e.promoted = new String[0];
            e.counted = true;
            return e;
        }

        LocalDate monday() {
            return START.plusSeconds(second)
                    .atZone(ZoneOffset.UTC)
                    .toLocalDate()
                    .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
        }

        /** The features it is a use of, by the definition. */
        List<String> uses() {
            List<String> out = new ArrayList<>();
            if (name.equals("buy")) {
                out.add("buy");
            }
            if (name.equals("click")) {
                out.add("click");
                if (button != null && !button.equals(JSON_NULL)) {
                    out.add(button);
                }
            }
            return out;
        }
    }

    /** The two operators as the job chains them, with the rows they wrote. */
    static final class Pipeline implements AutoCloseable {
        final String returnEvent;
        KeyedOneInputStreamOperatorTestHarness<String, EventDelta, EventDelta> users;
        KeyedOneInputStreamOperatorTestHarness<Long, CohortDelta, AnalyticsRow> cohorts;
        final List<AnalyticsRow> rows = new ArrayList<>();
        final Map<Long, Long> maxLsnFed = new HashMap<>();
        long now;

        Pipeline(String returnEvent) throws Exception {
            this.returnEvent = returnEvent;
            open(null, null);
        }

        private void open(OperatorSubtaskState u, OperatorSubtaskState c) throws Exception {
            users =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new UserCohortFunction(
                                            returnEvent, FEATURES, new EventProperties(List.of()))),
                            (EventDelta d) -> d.event.userId,
                            Types.STRING);
            cohorts =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(new CohortWeeklyFunction()),
                            (CohortDelta d) -> d.cohortWeek,
                            Types.LONG);
            if (u != null) {
                users.initializeState(u);
                cohorts.initializeState(c);
            }
            users.open();
            cohorts.open();
            users.setProcessingTime(now);
            cohorts.setProcessingTime(now);
        }

        void send(int sign, Ev e) throws Exception {
            lsn += 100;
            EventDelta d = new EventDelta(sign, e.clean(), lsn);
            users.processElement(new StreamRecord<>(d));
            assertThat(users.extractOutputValues()).as("forwarded unchanged").containsExactly(d);
            users.getOutput().clear();
            Queue<StreamRecord<CohortDelta>> side = users.getSideOutput(UserCohortFunction.COHORTS);
            while (side != null && !side.isEmpty()) {
                CohortDelta c = side.poll().getValue();
                assertThat(c.lsn).isEqualTo(d.lsn);
                maxLsnFed.merge(c.cohortWeek, c.lsn, Math::max);
                cohorts.processElement(new StreamRecord<>(c));
            }
        }

        /** Moves processing time on; returns the rows written. */
        List<AnalyticsRow> advance(long ms) throws Exception {
            now += ms;
            users.setProcessingTime(now);
            cohorts.setProcessingTime(now);
            return collect();
        }

        void endOfInput() throws Exception {
            users.processWatermark(new Watermark(Long.MAX_VALUE));
            cohorts.processWatermark(new Watermark(Long.MAX_VALUE));
            collect();
        }

        /** Takes the rows written since the last call; each outranks every change before it. */
        List<AnalyticsRow> collect() {
            List<AnalyticsRow> out = cohorts.extractOutputValues();
            cohorts.getOutput().clear();
            for (AnalyticsRow r : out) {
                long week = LocalDate.parse(r.fields[0]).toEpochDay();
                assertThat(r.version)
                        .as("version of %s not below the LSN of the changes behind it", r)
                        .isGreaterThanOrEqualTo(maxLsnFed.get(week));
            }
            rows.addAll(out);
            return out;
        }

        void restart() throws Exception {
            OperatorSubtaskState u = users.snapshot(1, now);
            OperatorSubtaskState c = cohorts.snapshot(1, now);
            close();
            open(u, c);
        }

        @Override
        public void close() throws Exception {
            users.close();
            cohorts.close();
        }
    }

    /** The newest row per table and key: what ClickHouse shows with FINAL; versions rise. */
    static Map<String, AnalyticsRow> latest(List<AnalyticsRow> rows) {
        Map<String, AnalyticsRow> out = new TreeMap<>();
        for (AnalyticsRow r : rows) {
            String key = r.table + " " + r.key;
            AnalyticsRow before = out.get(key);
            assertThat(before == null || before.version < r.version)
                    .as("versions of %s rise: %s then %s", key, before, r)
                    .isTrue();
            out.put(key, r);
        }
        return out;
    }

    /** "cohort|n" → "cohort_users retained_users", of cohorts with users. */
    static Map<String, String> retentionShown(Map<String, AnalyticsRow> newest) {
        Map<String, String> out = new TreeMap<>();
        Map<String, Integer> weeksPerCohort = new HashMap<>();
        for (AnalyticsRow r : newest.values()) {
            if (!r.table.equals(CohortTables.RETENTION_WEEKLY)) {
                continue;
            }
            var t = CohortTables.RETENTION_WEEKLY_TABLE;
            String cohort = t.get(r, "cohort_week");
            weeksPerCohort.merge(cohort, 1, Integer::sum);
            String users = t.get(r, "cohort_users");
            String retained = t.get(r, "retained_users");
            if (users.equals("0")) {
                assertThat(retained).as("an empty cohort retains nobody").isEqualTo("0");
            } else {
                out.put(cohort + "|" + t.get(r, "week_n"), users + " " + retained);
            }
        }
        assertThat(weeksPerCohort.values()).as("13 weeks per cohort").containsOnly(13);
        return out;
    }

    /** "cohort|feature|n" → "cohort_users adopters", of cohort features with adopters. */
    static Map<String, String> adoptionShown(Map<String, AnalyticsRow> newest) {
        var t = CohortTables.FEATURE_ADOPTION_WEEKLY_TABLE;
        Map<String, Long> adoptersByWeek12 = new HashMap<>();
        for (AnalyticsRow r : newest.values()) {
            if (r.table.equals(CohortTables.FEATURE_ADOPTION_WEEKLY)
                    && t.get(r, "week_n").equals("12")) {
                adoptersByWeek12.put(
                        t.get(r, "cohort_week") + "|" + t.get(r, "feature"),
                        Long.parseLong(t.get(r, "adopters")));
            }
        }
        Map<String, String> out = new TreeMap<>();
        for (AnalyticsRow r : newest.values()) {
            if (!r.table.equals(CohortTables.FEATURE_ADOPTION_WEEKLY)) {
                continue;
            }
            String pair = t.get(r, "cohort_week") + "|" + t.get(r, "feature");
            assertThat(adoptersByWeek12).as("13 weeks of %s", pair).containsKey(pair);
            if (adoptersByWeek12.get(pair) > 0) {
                out.put(
                        pair + "|" + t.get(r, "week_n"),
                        t.get(r, "cohort_users") + " " + t.get(r, "adopters"));
            }
        }
        return out;
    }

    /** Retention by its definition, from the events that remain. */
    static Map<String, String> retentionByDefinition(List<Ev> live, String returnEvent) {
        Map<String, List<Ev>> byUser = byUser(live);
        Map<String, long[]> counts = new TreeMap<>(); // cohort → users, retained of week 0..12
        for (List<Ev> events : byUser.values()) {
            LocalDate cohort = cohortOf(events);
            long[] c = counts.computeIfAbsent(cohort.toString(), k -> new long[14]);
            c[0]++;
            for (int n = 0; n <= 12; n++) {
                LocalDate week = cohort.plusWeeks(n);
                boolean back = false;
                for (Ev e : events) {
                    back |=
                            e.monday().equals(week)
                                    && (returnEvent == null || e.name().equals(returnEvent));
                }
                c[1 + n] += back ? 1 : 0;
            }
        }
        Map<String, String> out = new TreeMap<>();
        counts.forEach(
                (cohort, c) -> {
                    for (int n = 0; n <= 12; n++) {
                        out.put(cohort + "|" + n, c[0] + " " + c[1 + n]);
                    }
                });
        return out;
    }

    /** Feature adoption by its definition, from the events that remain. */
    static Map<String, String> adoptionByDefinition(List<Ev> live) {
        Map<String, List<Ev>> byUser = byUser(live);
        Map<String, Long> cohortUsers = new HashMap<>();
        Map<String, long[]> adopters = new TreeMap<>(); // cohort|feature → adopters of week 0..12
        for (List<Ev> events : byUser.values()) {
            LocalDate cohort = cohortOf(events);
            cohortUsers.merge(cohort.toString(), 1L, Long::sum);
            Map<String, LocalDate> firstUse = new HashMap<>();
            for (Ev e : events) {
                for (String f : e.uses()) {
                    firstUse.merge(f, e.monday(), (a, b) -> a.isBefore(b) ? a : b);
                }
            }
            firstUse.forEach(
                    (feature, first) -> {
                        for (int n = 0; n <= 12; n++) {
                            if (!first.isAfter(cohort.plusWeeks(n))) {
                                adopters.computeIfAbsent(cohort + "|" + feature, k -> new long[13])[
                                        n]++;
                            }
                        }
                    });
        }
        Map<String, String> out = new TreeMap<>();
        adopters.forEach(
                (pair, a) -> {
                    long users = cohortUsers.get(pair.substring(0, 10));
                    for (int n = 0; n <= 12; n++) {
                        out.put(pair + "|" + n, users + " " + a[n]);
                    }
                });
        return out;
    }

    static Map<String, List<Ev>> byUser(List<Ev> live) {
        Map<String, List<Ev>> out = new TreeMap<>();
        for (Ev e : live) {
            out.computeIfAbsent(e.user(), k -> new ArrayList<>()).add(e);
        }
        return out;
    }

    static LocalDate cohortOf(List<Ev> events) {
        Ev first = events.get(0);
        for (Ev e : events) {
            first = e.second() < first.second() ? e : first;
        }
        return first.monday();
    }

    // --- random histories -----------------------------------------------------------------

    static final String[] NAMES = {"open", "click", "buy"};
    static final String[] BUTTONS = {null, "a", "b", "7", JSON_NULL};

    /**
     * A time in the 22 weeks from START, often right at a week's edge: user uK is active from week
     * K mod 8 for 14 weeks, so cohorts differ and some first uses fall after week 12.
     */
    static long randomSecond(Random random, String user) {
        long week = Integer.parseInt(user.substring(1)) % 8 + random.nextInt(14);
        return switch (random.nextInt(5)) {
            case 0 -> Math.max(0, week * 7 * 86_400 - 1); // Sunday 23:59:59
            case 1 -> week * 7 * 86_400; // Monday 00:00:00
            default -> week * 7 * 86_400 + random.nextInt(7 * 86_400);
        };
    }

    static Ev randomEvent(Random random, String id, String user) {
        return new Ev(
                id,
                user,
                randomSecond(random, user),
                NAMES[random.nextInt(NAMES.length)],
                BUTTONS[random.nextInt(BUTTONS.length)]);
    }

    private static void assertMatchesDefinitions(long seed, String returnEvent) throws Exception {
        Random random = new Random(seed);
        Map<String, Ev> live = new TreeMap<>();
        int users = 40;
        int steps = 600;
        try (Pipeline p = new Pipeline(returnEvent)) {
            for (int i = 0; i < steps; i++) {
                if (i == steps / 2) {
                    p.restart();
                }
                int op = random.nextInt(20);
                List<Ev> events = new ArrayList<>(live.values());
                if (op < 10 || events.isEmpty()) {
                    Ev e = randomEvent(random, "e" + i, "u" + random.nextInt(users));
                    live.put(e.id(), e);
                    p.send(1, e);
                } else if (op < 17) {
                    Ev old = events.get(random.nextInt(events.size()));
                    if (op >= 15) { // the first event of its user
                        old = byUser(events).get(old.user()).get(0);
                        for (Ev e : byUser(events).get(old.user())) {
                            old = e.second() < old.second() ? e : old;
                        }
                    }
                    p.send(-1, old);
                    live.remove(old.id());
                    if (random.nextBoolean()) { // a correction, else a delete
                        Ev e =
                                switch (random.nextInt(4)) {
                                    case 0 -> randomEvent(random, old.id(), old.user());
                                    case 1 ->
                                            new Ev(
                                                    old.id(),
                                                    old.user(),
                                                    old.second(),
                                                    NAMES[random.nextInt(NAMES.length)],
                                                    old.button());
                                    case 2 ->
                                            new Ev(
                                                    old.id(),
                                                    old.user(),
                                                    old.second(),
                                                    old.name(),
                                                    BUTTONS[random.nextInt(BUTTONS.length)]);
                                    default ->
                                            randomEvent(
                                                    random, old.id(), "u" + random.nextInt(users));
                                };
                        live.put(e.id(), e);
                        p.send(1, e);
                    }
                } else {
                    p.advance(random.nextInt(1500));
                }
            }
            p.endOfInput();
            Map<String, AnalyticsRow> newest = latest(p.rows);
            List<Ev> remaining = new ArrayList<>(live.values());
            assertThat(retentionShown(newest))
                    .as("retention_weekly, seed %d, return event %s", seed, returnEvent)
                    .isEqualTo(retentionByDefinition(remaining, returnEvent));
            assertThat(adoptionShown(newest))
                    .as("feature_adoption_weekly, seed %d, return event %s", seed, returnEvent)
                    .isEqualTo(adoptionByDefinition(remaining));
        }
    }

    @Test
    void rowsMatchTheDefinitionsThroughRandomHistoriesWithAnyEventAsReturn() throws Exception {
        for (long seed = 1; seed <= 10; seed++) {
            assertMatchesDefinitions(seed, null);
        }
    }

    @Test
    void rowsMatchTheDefinitionsThroughRandomHistoriesWithAReturnEvent() throws Exception {
        for (long seed = 1; seed <= 10; seed++) {
            assertMatchesDefinitions(seed, "buy");
        }
    }

    // --- examples ---------------------------------------------------------------------------

    static final long DAY = 86_400;

    /** "table key" → "cohort_users count" of the newest rows. */
    static Map<String, String> shown(List<AnalyticsRow> rows) {
        Map<String, String> out = new TreeMap<>();
        latest(rows)
                .forEach(
                        (key, r) ->
                                out.put(
                                        key,
                                        r.fields[r.fields.length - 3]
                                                + " "
                                                + r.fields[r.fields.length - 2]));
        return out;
    }

    @Test
    void deletingTheFirstEventMovesTheUserToTheCohortOfTheNextOne() throws Exception {
        try (Pipeline p = new Pipeline(null)) {
            Ev first = new Ev("1", "u", DAY + 3600, "open", null); // Tue of week 2026-01-05
            p.send(1, first);
            p.send(1, new Ev("2", "u", 16 * DAY, "open", null)); // Wed of week 2026-01-19
            p.send(1, new Ev("3", "u", 16 * DAY + 60, "click", "a"));
            p.advance(1000);
            Map<String, String> rows = shown(p.rows);
            assertThat(rows)
                    .containsEntry("retention_weekly 2026-01-05|0", "1 1")
                    .containsEntry("retention_weekly 2026-01-05|1", "1 0")
                    .containsEntry("retention_weekly 2026-01-05|2", "1 1")
                    .containsEntry("feature_adoption_weekly 2026-01-05|click|1", "1 0")
                    .containsEntry("feature_adoption_weekly 2026-01-05|click|2", "1 1")
                    .containsEntry("feature_adoption_weekly 2026-01-05|a|12", "1 1")
                    .hasSize(13 + 2 * 13);

            p.send(-1, first);
            p.advance(1000);
            rows = shown(p.rows);
            assertThat(rows)
                    .containsEntry("retention_weekly 2026-01-05|0", "0 0")
                    .containsEntry("retention_weekly 2026-01-05|2", "0 0")
                    .containsEntry("feature_adoption_weekly 2026-01-05|click|2", "0 0")
                    .containsEntry("retention_weekly 2026-01-19|0", "1 1")
                    .containsEntry("retention_weekly 2026-01-19|2", "1 0")
                    .containsEntry("feature_adoption_weekly 2026-01-19|click|0", "1 1")
                    .containsEntry("feature_adoption_weekly 2026-01-19|a|0", "1 1")
                    .hasSize(2 * (13 + 2 * 13));
        }
    }

    @Test
    void usersJoiningACohortWithinASecondWriteEachRowOnce() throws Exception {
        try (Pipeline p = new Pipeline("buy")) {
            for (int i = 0; i < 100; i++) {
                p.send(1, new Ev("e" + i, "u" + i, DAY + i, i % 4 == 0 ? "buy" : "open", null));
            }
            assertThat(p.collect()).as("nothing before the next whole second").isEmpty();
            assertThat(p.advance(999)).isEmpty();
            List<AnalyticsRow> rows = p.advance(1);
            assertThat(rows).as("13 of retention, 13 of adopting buy").hasSize(26);
            assertThat(rows).extracting(r -> r.version).containsOnly(lsn);
            assertThat(shown(rows))
                    .containsEntry("retention_weekly 2026-01-05|0", "100 25")
                    .containsEntry("retention_weekly 2026-01-05|1", "100 0")
                    .containsEntry("feature_adoption_weekly 2026-01-05|buy|0", "100 25");

            // A change that leaves the rows as they were writes nothing.
            Ev moved = new Ev("e1", "u1", DAY + 1, "open", null);
            p.send(-1, moved);
            p.send(1, new Ev("e1", "u1", DAY + 2, "open", null));
            assertThat(p.advance(1000)).isEmpty();
        }
    }

    @Test
    void theEndOfABoundedInputWritesWhatIsPendingWithoutProcessingTime() throws Exception {
        try (Pipeline p = new Pipeline(null)) {
            p.send(1, new Ev("1", "u", 0, "buy", null));
            p.send(1, new Ev("2", "u", 7 * DAY, "open", null));
            p.endOfInput();
            assertThat(shown(p.rows))
                    .containsEntry("retention_weekly 2026-01-05|0", "1 1")
                    .containsEntry("retention_weekly 2026-01-05|1", "1 1")
                    .containsEntry("retention_weekly 2026-01-05|2", "1 0")
                    .containsEntry("feature_adoption_weekly 2026-01-05|buy|0", "1 1")
                    .hasSize(26);
        }
    }
}
