package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.SessionEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The sessionization rule on plain lists of events, without Flink. */
class SessionizerTest {
    private static final long MINUTE_US = 60_000_000L;
    private static final long GAP_US = 30 * MINUTE_US;
    private static final long MAX_LENGTH_US = 4 * 60 * MINUTE_US;

    private final Sessionizer sessionizer = new Sessionizer(GAP_US, MAX_LENGTH_US);

    private static SessionEvent at(long minute, String name) {
        return new SessionEvent(minute * MINUTE_US, name);
    }

    private static Session session(
            long fromMinute, long toMinute, long events, String entry, String exit) {
        Session s = new Session();
        s.startedAtUs = fromMinute * MINUTE_US;
        s.endedAtUs = toMinute * MINUTE_US;
        s.events = events;
        s.entryEvent = entry;
        s.exitEvent = exit;
        return s;
    }

    @Test
    void noEventsNoSessions() {
        assertThat(sessionizer.sessionize(List.of())).isEmpty();
    }

    @Test
    void eventsWithinTheGapShareASession() {
        assertThat(sessionizer.sessionize(List.of(at(0, "open"), at(10, "view"), at(40, "buy"))))
                .containsExactly(session(0, 40, 3, "open", "buy"));
    }

    @Test
    void aPauseOfExactlyTheGapContinuesTheSessionAndALongerOneStartsANewOne() {
        assertThat(
                        sessionizer.sessionize(
                                List.of(at(0, "a"), at(30, "b"), at(61, "c"), at(62, "d"))))
                .containsExactly(session(0, 30, 2, "a", "b"), session(61, 62, 2, "c", "d"));
    }

    @Test
    void aSessionEndsWhenItReachesTheMaximumLength() {
        List<SessionEvent> everyTwentyMinutes = new ArrayList<>();
        for (long m = 0; m <= 300; m += 20) {
            everyTwentyMinutes.add(at(m, "tick"));
        }
        // 0..220 (12 events), then 240 is 4 h after the start: a new session from 240 to 300.
        assertThat(sessionizer.sessionize(everyTwentyMinutes))
                .containsExactly(
                        session(0, 220, 12, "tick", "tick"), session(240, 300, 4, "tick", "tick"));
    }

    @Test
    void anEventThatBridgesTwoSessionsMergesThem() {
        List<SessionEvent> apart = List.of(at(0, "a"), at(50, "b"));
        List<SessionEvent> bridged = List.of(at(0, "a"), at(25, "bridge"), at(50, "b"));

        assertThat(sessionizer.sessionize(apart)).hasSize(2);
        assertThat(sessionizer.sessionize(bridged)).containsExactly(session(0, 50, 3, "a", "b"));
        // The merged session keeps the earlier session's id: ids hash user and start.
        assertThat(Sessionizer.sessionId("u", 0)).isEqualTo(Sessionizer.sessionId("u", 0));
        assertThat(Sessionizer.sessionId("u", 0)).isNotEqualTo(Sessionizer.sessionId("v", 0));
    }

    @Test
    void appendingExtendsACopyOfTheLastSessionAndStartsNewOnes() {
        Session last = session(0, 10, 2, "a", "b");
        last.rewrites = 3;

        List<Session> changed = sessionizer.append(last, List.of(at(20, "c"), at(100, "d")));

        assertThat(changed)
                .containsExactly(session(0, 20, 3, "a", "c"), session(100, 100, 1, "d", "d"));
        assertThat(last).isEqualTo(session(0, 10, 2, "a", "b")); // the written row is untouched
        assertThat(changed.get(0).rewrites).isZero(); // the caller carries the count on
    }

    @Test
    void appendingGivesWhatSessionizingAllEventsGives() {
        List<SessionEvent> head = List.of(at(0, "a"), at(10, "b"), at(50, "c"));
        List<SessionEvent> tail = List.of(at(70, "d"), at(200, "e"), at(210, "f"));
        List<Session> ofHead = sessionizer.sessionize(head);
        List<SessionEvent> all = new ArrayList<>(head);
        all.addAll(tail);

        List<Session> expected = new ArrayList<>(ofHead.subList(0, ofHead.size() - 1));
        expected.addAll(sessionizer.append(ofHead.get(ofHead.size() - 1), tail));
        assertThat(sessionizer.sessionize(all)).isEqualTo(expected);
        assertThat(sessionizer.append(null, tail)).isEqualTo(sessionizer.sessionize(tail));
    }

    @Test
    void onlyAPrefixOfSessionsThatEndedBeforeTheHorizonIsFinal() {
        List<Session> sessions =
                List.of(
                        session(0, 10, 1, "a", "a"),
                        session(100, 110, 1, "b", "b"),
                        session(200, 210, 1, "c", "c"));

        assertThat(Sessionizer.finalPrefix(sessions, 0)).isZero();
        assertThat(Sessionizer.finalPrefix(sessions, 10 * MINUTE_US)).isZero();
        assertThat(Sessionizer.finalPrefix(sessions, 10 * MINUTE_US + 1)).isEqualTo(1);
        assertThat(Sessionizer.finalPrefix(sessions, 150 * MINUTE_US)).isEqualTo(2);
        assertThat(Sessionizer.finalPrefix(sessions, Long.MAX_VALUE)).isEqualTo(3);
    }

    @Test
    void theHorizonIsAGapBeforeTheWatermarkMinusTheLateness() {
        long watermarkMs = 120 * 60_000L;
        long latenessMs = 10 * 60_000L;
        assertThat(sessionizer.finalHorizonUs(watermarkMs, latenessMs))
                .isEqualTo((120 - 10) * MINUTE_US - GAP_US);
        // The end-of-input watermark finalizes everything.
        assertThat(sessionizer.finalHorizonUs(Long.MAX_VALUE, latenessMs))
                .isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void eventKeysSortInOccurrenceOrderThenByEventId() {
        TreeMap<String, String> byKey = new TreeMap<>();
        byKey.put(Sessionizer.eventKey(5, "b"), "5b");
        byKey.put(Sessionizer.eventKey(-1_000_000, "z"), "before-1970");
        byKey.put(Sessionizer.eventKey(5, "a"), "5a");
        byKey.put(Sessionizer.eventKey(Long.MAX_VALUE, "a"), "max");
        byKey.put(Sessionizer.eventKey(Long.MIN_VALUE, "a"), "min");
        byKey.put(Sessionizer.eventKey(40, "a"), "40");

        assertThat(byKey.values()).containsExactly("min", "before-1970", "5a", "5b", "40", "max");
    }

    /**
     * Session ids are kept in ClickHouse across runs and versions: they must stay the name-based
     * UUID of {@code user|start} that {@link java.util.UUID#nameUUIDFromBytes} computes, for any
     * user text (non-ASCII included) and any start, from any thread.
     */
    @Test
    void sessionIdIsTheNameBasedUuidOfUserAndStart() throws Exception {
        java.util.Random random = new java.util.Random(7);
        List<String> users = new ArrayList<>(List.of("", "42", "ünïcødé-👤", "a|b"));
        for (int i = 0; i < 200; i++) {
            users.add(Long.toString(random.nextLong(), 36));
        }
        long[] starts = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1_700_000_000_000_000L};
        Runnable check =
                () -> {
                    for (String user : users) {
                        for (long start : starts) {
                            long s = start == 0 ? random.nextLong() : start;
                            assertThat(Sessionizer.sessionId(user, s))
                                    .isEqualTo(
                                            java.util
                                                    .UUID
                                                    .nameUUIDFromBytes(
                                                            (user + "|" + s)
                                                                    .getBytes(
                                                                            java.nio.charset
                                                                                    .StandardCharsets
                                                                                    .UTF_8))
                                                    .toString());
                        }
                    }
                };
        check.run();
        Thread other = new Thread(check);
        other.start();
        other.join();
    }
}
