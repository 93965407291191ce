package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.jobs.analytics.operators.FunnelBruteForce.Ev;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@link FunnelMatcher} on hand-written cases and against {@link FunnelBruteForce}. */
class FunnelMatcherTest {
    static final long S = 1_000_000L;
    static final long T0 = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli() * 1000;
    static final long DAY0 = Math.floorDiv(T0, FunnelBruteForce.DAY_US);

    private static int seq;

    static Ev ev(long us, String name) {
        return ev(us, name, Map.of());
    }

    static Ev ev(long us, String name, Map<String, String> props) {
        return new Ev(String.format("e%06d", seq++), "u", us, name, props);
    }

    /** The matcher's best attempts per day over one user's events, as "day: micros...". */
    static Map<Long, String> match(FunnelDefinition f, List<Ev> events) {
        List<Ev> sorted = new ArrayList<>(events);
        sorted.sort(FunnelBruteForce.ORDER);
        long[] times = new long[sorted.size()];
        int[] masks = new int[sorted.size()];
        long from = Long.MAX_VALUE;
        long to = Long.MIN_VALUE;
        for (int i = 0; i < times.length; i++) {
            Ev e = sorted.get(i);
            times[i] = e.us();
            for (int s = 0; s < f.steps().size(); s++) {
                if (f.steps().get(s).matches(e.name(), e.props()::get)) {
                    masks[i] |= 1 << s;
                }
            }
            from = Math.min(from, FunnelMatcher.day(e.us()));
            to = Math.max(to, FunnelMatcher.day(e.us()));
        }
        Map<Long, String> out = new TreeMap<>();
        FunnelMatcher.of(f)
                .bestAttempts(times, masks, from, to)
                .forEach((d, a) -> out.put(d, text(a)));
        return out;
    }

    static Map<Long, String> byDefinition(FunnelDefinition f, List<Ev> events) {
        Map<Long, String> out = new TreeMap<>();
        FunnelBruteForce.bestAttempts(f, events)
                .getOrDefault("u", Map.of())
                .forEach((d, a) -> out.put(d, text(a)));
        return out;
    }

    static String text(long[] micros) {
        return Arrays.toString(micros);
    }

    static FunnelDefinition funnel(String text) {
        return FunnelDefinition.parse(text);
    }

    @Test
    void orderedSkipsOtherEventsAndStrictStopsAtThem() {
        List<Ev> events =
                List.of(ev(T0, "a"), ev(T0 + S, "x"), ev(T0 + 2 * S, "b"), ev(T0 + 3 * S, "c"));
        assertThat(match(funnel("f: a > b > c within 1 h"), events))
                .containsExactly(Map.entry(DAY0, "[0, 2000000, 3000000]"));
        assertThat(match(funnel("f: a > b > c within 1 h strict"), events))
                .containsExactly(Map.entry(DAY0, "[0]"));
        assertThat(match(funnel("f: x > b > c within 1 h strict"), events))
                .containsExactly(Map.entry(DAY0, "[0, 1000000, 2000000]"));
    }

    @Test
    void aStepExactlyAWindowAfterStepOneIsIn() {
        FunnelDefinition f = funnel("f: a > b within 1 h");
        long h = 3600 * S;
        assertThat(match(f, List.of(ev(T0, "a"), ev(T0 + h, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, " + h + "]"));
        assertThat(match(f, List.of(ev(T0, "a"), ev(T0 + h + 1, "b"))))
                .containsExactly(Map.entry(DAY0, "[0]"));
        FunnelDefinition strict = funnel("f: a > b within 1 h strict");
        assertThat(match(strict, List.of(ev(T0, "a"), ev(T0 + h, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, " + h + "]"));
    }

    @Test
    void aTieOfLevelsGoesToTheEarliestStartAndAHigherLevelWins() {
        FunnelDefinition f = funnel("f: a > b within 1 h");
        assertThat(
                        match(
                                f,
                                List.of(
                                        ev(T0, "a"),
                                        ev(T0 + 10 * S, "b"),
                                        ev(T0 + 20 * S, "a"),
                                        ev(T0 + 21 * S, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, 10000000]"));
        // Strict: the first a is followed by an a, the second by b.
        FunnelDefinition strict = funnel("f: a > b within 1 h strict");
        assertThat(match(strict, List.of(ev(T0, "a"), ev(T0 + 5 * S, "a"), ev(T0 + 6 * S, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, 1000000]"));
        // Same microsecond: event id orders them.
        assertThat(match(strict, List.of(ev(T0, "a"), ev(T0, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, 0]"));
    }

    @Test
    void filtersMustAllMatch() {
        FunnelDefinition f = funnel("f: view{path=/pricing, plan=pro} > signup within 1 d");
        assertThat(
                        match(
                                f,
                                List.of(
                                        ev(T0, "view", Map.of("path", "/pricing")),
                                        ev(T0 + S, "view", Map.of("path", "/home", "plan", "pro")),
                                        ev(T0 + 2 * S, "signup"))))
                .isEmpty();
        assertThat(
                        match(
                                f,
                                List.of(
                                        ev(T0, "view", Map.of("path", "/pricing", "plan", "pro")),
                                        ev(T0 + 2 * S, "signup"))))
                .containsExactly(Map.entry(DAY0, "[0, 2000000]"));
    }

    @Test
    void aStepBeforeStepOneDoesNotCount() {
        FunnelDefinition f = funnel("f: a > b within 1 h");
        assertThat(match(f, List.of(ev(T0, "b"), ev(T0 + S, "a"))))
                .containsExactly(Map.entry(DAY0, "[0]"));
        FunnelDefinition same = funnel("f: a > a within 1 h");
        assertThat(match(same, List.of(ev(T0, "a")))).containsExactly(Map.entry(DAY0, "[0]"));
    }

    @Test
    void anAttemptCrossingMidnightCountsOnItsStartDay() {
        FunnelDefinition f = funnel("f: a > b within 1 h");
        long midnight = T0 + FunnelBruteForce.DAY_US;
        assertThat(match(f, List.of(ev(midnight - 60 * S, "a"), ev(midnight + 60 * S, "b"))))
                .containsExactly(Map.entry(DAY0, "[0, 120000000]"));
    }

    @Test
    void matchesTheDefinitionOnRandomEvents() {
        List<FunnelDefinition> funnels =
                List.of(
                        funnel("f: a > b > c within 2 h"),
                        funnel("f: a > b > c within 2 h strict"),
                        funnel("f: a{k=1} > b > a > c within 3 h"),
                        funnel("f: a{k=1} > b > a within 3 h strict"),
                        funnel("f: a > a > b within 1 h"),
                        funnel("f: b > a within 30 min strict"));
        for (long seed = 1; seed <= 300; seed++) {
            Random random = new Random(seed);
            List<Ev> events = new ArrayList<>();
            int n = 1 + random.nextInt(12);
            for (int i = 0; i < n; i++) {
                // Over two days, often at the same microsecond or exactly a window apart.
                long us =
                        switch (random.nextInt(4)) {
                            case 0 -> T0 + random.nextInt(4) * 1800 * S;
                            case 1 -> T0 + FunnelBruteForce.DAY_US - random.nextInt(3) * 1800 * S;
                            default -> T0 + (long) (random.nextDouble() * 2 * 86_400) * S;
                        };
                String name = List.of("a", "b", "c", "x").get(random.nextInt(4));
                events.add(ev(us, name, Map.of("k", Integer.toString(random.nextInt(2)))));
            }
            for (FunnelDefinition f : funnels) {
                assertThat(match(f, events))
                        .as("seed %d, %s, %s", seed, f, events)
                        .isEqualTo(byDefinition(f, events));
            }
        }
    }
}
