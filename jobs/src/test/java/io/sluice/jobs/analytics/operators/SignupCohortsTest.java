package io.sluice.jobs.analytics.operators;

import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.FEATURES;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.START;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.adoptionShown;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.byUser;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.latest;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.randomEvent;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.randomSecond;
import static io.sluice.jobs.analytics.operators.CohortOperatorsTest.retentionShown;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.CohortDelta;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.operators.CohortOperatorsTest.Ev;
import java.time.DayOfWeek;
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
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * {@link SignupCohortFunction} (cohort by signup) chained into {@link CohortWeeklyFunction} with
 * Flink's keyed harnesses, through random histories of events and users rows, compared with the
 * definitions computed here by brute force from the events and users rows that remain; and {@link
 * UserCohortFunction} (cohort by first event) compared with the function as it was before.
 */
class SignupCohortsTest {
    private static long lsn = 1_000;

    /** The two operators as the job chains them, with the rows they wrote. */
    static final class Pipeline implements AutoCloseable {
        final String returnEvent;
        KeyedTwoInputStreamOperatorTestHarness<String, EventDelta, SignupChange, EventDelta> users;
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
                    new KeyedTwoInputStreamOperatorTestHarness<>(
                            new KeyedCoProcessOperator<>(
                                    new SignupCohortFunction(
                                            returnEvent, FEATURES, new EventProperties(List.of()))),
                            (EventDelta d) -> d.event.userId,
                            (SignupChange s) -> s.userId,
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

        long send(int sign, Ev e) throws Exception {
            lsn += 100;
            EventDelta d = new EventDelta(sign, e.clean(), lsn);
            users.processElement1(new StreamRecord<>(d));
            assertThat(users.extractOutputValues()).as("forwarded unchanged").containsExactly(d);
            users.getOutput().clear();
            forward(d.lsn);
            return lsn;
        }

        /** A users-table change (time null: deleted or NULL) at a new LSN; returns it. */
        SignupChange signup(String user, Long second) throws Exception {
            lsn += 100;
            SignupChange s =
                    new SignupChange(
                            user,
                            second == null ? null : START.plusSeconds(second).toEpochMilli() * 1000,
                            lsn);
            resend(s);
            return s;
        }

        /** Sends a users-table change again, as it was (an older one arriving late). */
        void resend(SignupChange s) throws Exception {
            users.processElement2(new StreamRecord<>(s));
            assertThat(users.extractOutputValues()).as("signups are not passed on").isEmpty();
            forward(s.lsn);
        }

        private void forward(long lsnSent) throws Exception {
            Queue<StreamRecord<CohortDelta>> side = users.getSideOutput(UserCohortFunction.COHORTS);
            while (side != null && !side.isEmpty()) {
                CohortDelta c = side.poll().getValue();
                assertThat(c.lsn).isEqualTo(lsnSent);
                maxLsnFed.merge(c.cohortWeek, c.lsn, Math::max);
                cohorts.processElement(new StreamRecord<>(c));
            }
        }

        void advance(long ms) throws Exception {
            now += ms;
            users.setProcessingTime(now);
            cohorts.setProcessingTime(now);
            collect();
        }

        void endOfInput() throws Exception {
            users.processWatermark1(new Watermark(Long.MAX_VALUE));
            users.processWatermark2(new Watermark(Long.MAX_VALUE));
            cohorts.processWatermark(new Watermark(Long.MAX_VALUE));
            collect();
        }

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

    // --- the definitions, by brute force --------------------------------------------------

    static LocalDate monday(long second) {
        return START.plusSeconds(second)
                .atZone(ZoneOffset.UTC)
                .toLocalDate()
                .with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    }

    /** User → cohort week, of the users with a row and a signup time. */
    static Map<String, LocalDate> cohorts(Map<String, Long> signups) {
        Map<String, LocalDate> out = new TreeMap<>();
        signups.forEach(
                (user, second) -> {
                    if (second != null) {
                        out.put(user, monday(second));
                    }
                });
        return out;
    }

    static Map<String, String> retentionByDefinition(
            List<Ev> live, Map<String, Long> signups, String returnEvent) {
        Map<String, List<Ev>> events = byUser(live);
        Map<String, long[]> counts = new TreeMap<>();
        cohorts(signups)
                .forEach(
                        (user, cohort) -> {
                            long[] c = counts.computeIfAbsent(cohort.toString(), k -> new long[14]);
                            c[0]++;
                            for (int n = 0; n <= 12; n++) {
                                boolean back = false;
                                for (Ev e : events.getOrDefault(user, List.of())) {
                                    back |=
                                            e.monday().equals(cohort.plusWeeks(n))
                                                    && (returnEvent == null
                                                            || e.name().equals(returnEvent));
                                }
                                c[1 + n] += back ? 1 : 0;
                            }
                        });
        Map<String, String> out = new TreeMap<>();
        counts.forEach(
                (cohort, c) -> {
                    for (int n = 0; n <= 12; n++) {
                        out.put(cohort + "|" + n, c[0] + " " + c[1 + n]);
                    }
                });
        return out;
    }

    static Map<String, String> adoptionByDefinition(List<Ev> live, Map<String, Long> signups) {
        Map<String, List<Ev>> events = byUser(live);
        Map<String, Long> cohortUsers = new HashMap<>();
        Map<String, long[]> adopters = new TreeMap<>();
        cohorts(signups)
                .forEach(
                        (user, cohort) -> {
                            cohortUsers.merge(cohort.toString(), 1L, Long::sum);
                            Map<String, LocalDate> firstUse = new HashMap<>();
                            for (Ev e : events.getOrDefault(user, List.of())) {
                                if (e.monday().isBefore(cohort)) {
                                    continue; // before the signup week: counts for nothing
                                }
                                for (String f : e.uses()) {
                                    firstUse.merge(f, e.monday(), (a, b) -> a.isBefore(b) ? a : b);
                                }
                            }
                            firstUse.forEach(
                                    (feature, first) -> {
                                        for (int n = 0; n <= 12; n++) {
                                            if (!first.isAfter(cohort.plusWeeks(n))) {
                                                adopters.computeIfAbsent(
                                                                cohort + "|" + feature,
                                                                k -> new long[13])[n]++;
                                            }
                                        }
                                    });
                        });
        Map<String, String> out = new TreeMap<>();
        adopters.forEach(
                (pair, a) -> {
                    if (a[12] == 0) {
                        return; // every first use after week 12
                    }
                    long users = cohortUsers.get(pair.substring(0, 10));
                    for (int n = 0; n <= 12; n++) {
                        out.put(pair + "|" + n, users + " " + a[n]);
                    }
                });
        return out;
    }

    // --- random histories -----------------------------------------------------------------

    private static void assertMatchesDefinitions(long seed, String returnEvent) throws Exception {
        Random random = new Random(seed);
        Map<String, Ev> live = new TreeMap<>();
        Map<String, Long> signups = new TreeMap<>(); // user → signup second (null: NULL)
        List<SignupChange> sent = new ArrayList<>();
        int users = 40;
        int steps = 800;
        try (Pipeline p = new Pipeline(returnEvent)) {
            for (int i = 0; i < steps; i++) {
                if (i == steps / 2) {
                    p.restart();
                }
                int op = random.nextInt(30);
                List<Ev> events = new ArrayList<>(live.values());
                if (op < 10 || events.isEmpty()) {
                    Ev e = randomEvent(random, "e" + i, "u" + random.nextInt(users));
                    live.put(e.id(), e);
                    p.send(1, e);
                } else if (op < 16) {
                    Ev old = events.get(random.nextInt(events.size()));
                    p.send(-1, old);
                    live.remove(old.id());
                    if (random.nextBoolean()) { // a correction, else a delete
                        Ev e =
                                random.nextBoolean()
                                        ? randomEvent(random, old.id(), old.user())
                                        : randomEvent(
                                                random, old.id(), "u" + random.nextInt(users));
                        live.put(e.id(), e);
                        p.send(1, e);
                    }
                } else if (op < 24) { // a users row inserted or updated (time moved, or NULL)
                    String user = "u" + random.nextInt(users);
                    Long second = random.nextInt(8) == 0 ? null : randomSecond(random, user);
                    signups.put(user, second);
                    sent.add(p.signup(user, second));
                } else if (op < 26 && !signups.isEmpty()) { // a users row deleted
                    List<String> rows = new ArrayList<>(signups.keySet());
                    String user = rows.get(random.nextInt(rows.size()));
                    signups.remove(user);
                    sent.add(p.signup(user, null));
                } else if (op < 27 && !sent.isEmpty()) { // an older change arriving late
                    p.resend(sent.get(random.nextInt(sent.size())));
                } else {
                    p.advance(random.nextInt(1500));
                }
            }
            p.endOfInput();
            Map<String, AnalyticsRow> newest = latest(p.rows);
            List<Ev> remaining = new ArrayList<>(live.values());
            assertThat(retentionShown(newest))
                    .as("retention_weekly, seed %d, return event %s", seed, returnEvent)
                    .isEqualTo(retentionByDefinition(remaining, signups, returnEvent));
            assertThat(adoptionShown(newest))
                    .as("feature_adoption_weekly, seed %d, return event %s", seed, returnEvent)
                    .isEqualTo(adoptionByDefinition(remaining, signups));
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

    @Test
    void aUserIsInACohortFromTheUsersRowOnAndMovesWithItsTime() throws Exception {
        try (Pipeline p = new Pipeline(null)) {
            p.send(1, new Ev("1", "u", DAY, "open", null)); // week 2026-01-05
            p.send(1, new Ev("2", "u", 15 * DAY, "click", "a")); // week 2026-01-19
            p.advance(1000);
            assertThat(p.rows).as("no users row: no cohort").isEmpty();

            SignupChange first = p.signup("u", 8 * DAY); // week 2026-01-12
            p.signup("v", 8 * DAY); // signed up, no events
            p.advance(1000);
            Map<String, String> rows = CohortOperatorsTest.shown(p.rows);
            assertThat(rows)
                    .containsEntry("retention_weekly 2026-01-12|0", "2 0")
                    .containsEntry("retention_weekly 2026-01-12|1", "2 1")
                    .containsEntry("feature_adoption_weekly 2026-01-12|click|0", "2 0")
                    .containsEntry("feature_adoption_weekly 2026-01-12|click|1", "2 1")
                    .hasSize(13 + 2 * 13);

            p.signup("u", 0L); // moved back to week 2026-01-05
            p.resend(first); // older: ignored
            p.advance(1000);
            rows = CohortOperatorsTest.shown(p.rows);
            assertThat(rows)
                    .containsEntry("retention_weekly 2026-01-12|1", "1 0")
                    .containsEntry("feature_adoption_weekly 2026-01-12|click|1", "1 0")
                    .containsEntry("retention_weekly 2026-01-05|0", "1 1")
                    .containsEntry("retention_weekly 2026-01-05|1", "1 0")
                    .containsEntry("retention_weekly 2026-01-05|2", "1 1")
                    .containsEntry("feature_adoption_weekly 2026-01-05|click|2", "1 1");

            p.signup("u", null); // deleted
            p.signup("v", null);
            p.advance(1000);
            rows = CohortOperatorsTest.shown(p.rows);
            assertThat(rows)
                    .containsEntry("retention_weekly 2026-01-05|0", "0 0")
                    .containsEntry("retention_weekly 2026-01-12|0", "0 0");
            assertThat(p.users.numKeyedStateEntries())
                    .as("u: its weeks, its feature uses and its removal; v: its removal")
                    .isEqualTo(3 + 1);
        }
    }

    // --- cohort by first event: as before -------------------------------------------------

    /** Both functions' side outputs, in order, for the same random history. */
    @Test
    void firstEventModeEmitsExactlyWhatItDidBefore() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            var now =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new UserCohortFunction(
                                            "buy", FEATURES, new EventProperties(List.of()))),
                            (EventDelta d) -> d.event.userId,
                            Types.STRING);
            var before =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new LegacyUserCohortFunction(
                                            "buy", FEATURES, new EventProperties(List.of()))),
                            (EventDelta d) -> d.event.userId,
                            Types.STRING);
            now.open();
            before.open();
            Map<String, Ev> live = new TreeMap<>();
            for (int i = 0; i < 600; i++) {
                List<EventDelta> deltas = new ArrayList<>();
                List<Ev> events = new ArrayList<>(live.values());
                if (random.nextInt(3) > 0 || events.isEmpty()) {
                    Ev e = randomEvent(random, "e" + i, "u" + random.nextInt(30));
                    live.put(e.id(), e);
                    deltas.add(new EventDelta(1, e.clean(), ++lsn));
                } else {
                    Ev old = events.get(random.nextInt(events.size()));
                    live.remove(old.id());
                    deltas.add(new EventDelta(-1, old.clean(), ++lsn));
                }
                for (EventDelta d : deltas) {
                    now.processElement(new StreamRecord<>(d));
                    before.processElement(new StreamRecord<>(d));
                }
            }
            List<CohortDelta> emitted = new ArrayList<>();
            now.getSideOutput(UserCohortFunction.COHORTS).forEach(r -> emitted.add(r.getValue()));
            List<CohortDelta> expected = new ArrayList<>();
            before.getSideOutput(LegacyUserCohortFunction.COHORTS)
                    .forEach(r -> expected.add(r.getValue()));
            assertThat(emitted).as("seed %d", seed).isNotEmpty().isEqualTo(expected);
            assertThat(now.extractOutputValues()).isEqualTo(before.extractOutputValues());
            assertThat(now.numKeyedStateEntries()).isEqualTo(before.numKeyedStateEntries());
            now.close();
            before.close();
        }
    }
}
