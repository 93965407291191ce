package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.jobs.analytics.operators.FunnelMatcher;
import io.sluice.testkit.TestPostgres;
import io.sluice.testkit.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link FunnelOracle}'s Postgres query against {@link FunnelMatcher} on random events in a real
 * Postgres: the SQL written from the definition and the job's rule give the same funnel_daily.
 */
class FunnelOracleIT {
    static final long T0 = Instant.parse("2026-11-20T00:00:00Z").toEpochMilli() * 1000;
    static final long DAY_US = 86_400_000_000L;

    record Ev(String id, String user, long us, String name, String path) {}

    @Test
    void thePostgresQueryAgreesWithTheMatcher() throws Exception {
        List<FunnelDefinition> funnels =
                List.of(
                        FunnelDefinition.parse("pricing: a{path=/p} > b > c within 2 h"),
                        FunnelDefinition.parse("quick: a > b > c within 1 h strict"),
                        FunnelDefinition.parse("again: b > b within 30 min"));
        TestPostgres pg = TestServers.get().postgres();
        String db = pg.newDatabase("funnels");
        try (Connection sql =
                DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password())) {
            try (Statement st = sql.createStatement()) {
                st.execute(
                        "CREATE TABLE events (event_id text PRIMARY KEY, user_id text,"
                                + " occurred_at timestamptz, event_name text, properties jsonb)");
            }
            for (long seed = 1; seed <= 5; seed++) {
                List<Ev> events = randomEvents(new Random(seed));
                try (Statement st = sql.createStatement()) {
                    st.execute("TRUNCATE events");
                }
                try (PreparedStatement ps =
                        sql.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?::jsonb)")) {
                    for (Ev e : events) {
                        ps.setString(1, e.id());
                        ps.setString(2, e.user());
                        ps.setObject(
                                3,
                                Instant.ofEpochSecond(
                                                Math.floorDiv(e.us(), 1_000_000L),
                                                Math.floorMod(e.us(), 1_000_000L) * 1000)
                                        .atOffset(ZoneOffset.UTC));
                        ps.setString(4, e.name());
                        ps.setString(5, "{\"path\": \"" + e.path() + "\"}");
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                for (FunnelDefinition f : funnels) {
                    List<String> got = new ArrayList<>();
                    try (Statement st = sql.createStatement();
                            ResultSet rs = st.executeQuery(FunnelOracle.postgres(f, "events"))) {
                        while (rs.next()) {
                            assertThat(rs.getString("funnel")).isEqualTo(f.name());
                            got.add(
                                    rs.getObject("day", LocalDate.class).toEpochDay()
                                            + " "
                                            + rs.getInt("step")
                                            + " "
                                            + rs.getLong("users")
                                            + " "
                                            + rs.getBigDecimal("median_seconds_to_step")
                                                    .movePointRight(6)
                                                    .longValueExact());
                        }
                    }
                    got.sort(null);
                    assertThat(got).as("users who reached step 2").anyMatch(r -> r.contains(" 2 "));
                    assertThat(got).as("seed %d, %s", seed, f).isEqualTo(byMatcher(f, events));
                }
            }
        }
    }

    static List<Ev> randomEvents(Random random) {
        List<Ev> events = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            long us =
                    random.nextInt(2) == 0
                            ? T0 + DAY_US + (random.nextInt(240) - 120) * 60_000_000L
                            : T0 + (long) (random.nextDouble() * 2 * DAY_US);
            events.add(
                    new Ev(
                            String.format("e%03d", i),
                            "u" + random.nextInt(5),
                            us,
                            List.of("a", "b", "c", "x").get(random.nextInt(4)),
                            random.nextBoolean() ? "/p" : "/q"));
        }
        return events;
    }

    /** funnel_daily from {@link FunnelMatcher}, as "day step users median_micros". */
    static List<String> byMatcher(FunnelDefinition f, List<Ev> events) {
        Map<String, List<Ev>> byUser = new TreeMap<>();
        for (Ev e : events) {
            byUser.computeIfAbsent(e.user(), u -> new ArrayList<>()).add(e);
        }
        Map<String, List<Long>> times = new TreeMap<>();
        for (List<Ev> evs : byUser.values()) {
            evs.sort(Comparator.comparingLong(Ev::us).thenComparing(Ev::id));
            long[] us = new long[evs.size()];
            int[] masks = new int[evs.size()];
            for (int i = 0; i < us.length; i++) {
                Ev e = evs.get(i);
                us[i] = e.us();
                for (int s = 0; s < f.steps().size(); s++) {
                    if (f.steps().get(s).matches(e.name(), Map.of("path", e.path())::get)) {
                        masks[i] |= 1 << s;
                    }
                }
            }
            FunnelMatcher.of(f)
                    .bestAttempts(us, masks, Long.MIN_VALUE / DAY_US, Long.MAX_VALUE / DAY_US)
                    .forEach(
                            (day, path) -> {
                                for (int s = 1; s <= path.length; s++) {
                                    times.computeIfAbsent(day + " " + s, k -> new ArrayList<>())
                                            .add(path[s - 1]);
                                }
                            });
        }
        List<String> out = new ArrayList<>();
        times.forEach(
                (daySteps, values) -> {
                    values.sort(null);
                    int n = values.size();
                    out.add(daySteps + " " + n + " " + values.get((n + 1) / 2 - 1));
                });
        out.sort(null);
        return out;
    }
}
