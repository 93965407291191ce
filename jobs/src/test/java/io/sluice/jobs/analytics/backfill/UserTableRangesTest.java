package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rows a full backfill rewrites, against the rule written in docs/backfill.md: from the periods
 * that can hold an event of the range to the last one that is closed.
 */
class UserTableRangesTest {
    // Thursday 2026-11-19 06:00 to Sunday 2026-11-29 10:00 (closed bound).
    private static final Instant FROM = Instant.parse("2026-11-19T06:00:00Z");
    private static final Instant CLOSED = Instant.parse("2026-11-29T10:00:00Z");

    private static SluiceConfig config(boolean signup) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.events", "public.users"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.put(
                "analytics.funnels",
                List.of("a: view > buy within 2 d", "b: view > cart within 1 h"));
        v.put("analytics.features", List.of("search"));
        if (signup) {
            v.put("analytics.retention.cohort-by", "signup");
        }
        return SluiceConfig.of(v);
    }

    private static long s(String instant) {
        return Instant.parse(instant).getEpochSecond();
    }

    @Test
    void boundsFollowTheDefinitions() {
        Map<String, long[]> r = UserTableRanges.of(config(false), FROM, CLOSED).ranges();
        // Sessions that can reach FROM start after FROM - 24 h - 30 min; those that can still
        // grow start after CLOSED - 24 h - 30 min.
        assertThat(r.get("sessions"))
                .containsExactly(s("2026-11-18T05:30:00Z"), s("2026-11-28T09:30:00Z"));
        assertThat(r.get("sessions_daily"))
                .containsExactly(s("2026-11-19T00:00:00Z"), s("2026-11-29T00:00:00Z"));
        assertThat(r.get("active_users_daily")).isEqualTo(r.get("sessions_daily"));
        // Longest window 2 d: days from the day before FROM - 2 d; closed while day + 1 d + 2 d
        // <= CLOSED.
        assertThat(r.get("funnel_daily"))
                .containsExactly(s("2026-11-16T00:00:00Z"), s("2026-11-27T00:00:00Z"));
        // ISO weeks: Monday 2026-11-16 to Monday 2026-11-23 (the week of CLOSED is open).
        assertThat(r.get("retention_weekly"))
                .containsExactly(s("2026-11-16T00:00:00Z"), s("2026-11-23T00:00:00Z"));
        assertThat(r.get("feature_adoption_weekly")).isEqualTo(r.get("retention_weekly"));
    }

    @Test
    void signupCohortsAreLeftAlone() {
        Map<String, long[]> r = UserTableRanges.of(config(true), FROM, CLOSED).ranges();
        assertThat(r).doesNotContainKeys("retention_weekly", "feature_adoption_weekly");
        assertThat(r).containsKeys("sessions", "funnel_daily");
    }

    @Test
    void filtersRowsByTheirPeriod() {
        UserTableRanges ranges = UserTableRanges.of(config(false), FROM, CLOSED);
        assertThat(ranges.filter(day("2026-11-19"))).isTrue();
        assertThat(ranges.filter(day("2026-11-28"))).isTrue();
        assertThat(ranges.filter(day("2026-11-29"))).as("not closed").isFalse();
        assertThat(ranges.filter(day("2026-11-18"))).as("before the range").isFalse();
        // A retention row's period is its cohort week plus n weeks.
        assertThat(ranges.filter(retention("2026-11-02", 2))).isTrue();
        assertThat(ranges.filter(retention("2026-11-02", 3))).isFalse();
        assertThat(ranges.filter(retention("2026-11-09", 0))).isFalse();
        // Tables a backfill rewrites only by range are not user-scoped rows.
        assertThat(ranges.filter(new AnalyticsRow("events_per_minute", "k", 1, new String[0])))
                .isFalse();
    }

    @Test
    void periodsThatAreNotClosedYetAreLeftOut() {
        // A range of the last two hours before the closed bound: the day and the week of those
        // hours are still open, while sessions and funnel attempts that can reach them are not.
        Map<String, long[]> r =
                UserTableRanges.of(config(false), Instant.parse("2026-11-29T08:00:00Z"), CLOSED)
                        .ranges();
        assertThat(r)
                .doesNotContainKeys(
                        "sessions_daily",
                        "active_users_daily",
                        "retention_weekly",
                        "feature_adoption_weekly");
        assertThat(r.get("sessions"))
                .containsExactly(s("2026-11-28T07:30:00Z"), s("2026-11-28T09:30:00Z"));
        assertThat(r.get("funnel_daily"))
                .containsExactly(s("2026-11-26T00:00:00Z"), s("2026-11-27T00:00:00Z"));
    }

    private static AnalyticsRow day(String date) {
        AnalyticsTables.Table t = AnalyticsTables.ACTIVE_USERS_DAILY_TABLE;
        String[] f = new String[t.columns().size()];
        f[0] = date;
        return new AnalyticsRow(t.name(), date, 1, f);
    }

    private static AnalyticsRow retention(String cohortWeek, int n) {
        AnalyticsTables.Table t = AnalyticsTables.fixed("retention_weekly");
        String[] f = new String[t.columns().size()];
        f[0] = cohortWeek;
        f[1] = Integer.toString(n);
        return new AnalyticsRow(t.name(), cohortWeek + "|" + n, 1, f);
    }
}
