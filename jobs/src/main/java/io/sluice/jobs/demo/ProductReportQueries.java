package io.sluice.jobs.demo;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.FunnelDefinition.Mode;
import io.sluice.common.config.FunnelDefinition.Step;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The Postgres side of {@link ProductReport}: funnel_daily, retention_weekly and active_users_daily
 * by SQL, written from docs/product-analytics.md (the funnel query is a compact copy of the tests'
 * {@code FunnelOracle}, the retention query of {@code CohortOracle}). They read {@link #EVENTS}, a
 * temporary table of the events the job counts, which {@link #snapshot} fills: the report's usable
 * events ({@link AnalyticsReport#VALID}), event ids as text (the job orders events of one time by
 * their id as Java compares strings, which {@code COLLATE "C"} does on text and not on uuid), user
 * ids as text as in ClickHouse, and an index per user and time for the funnels' lateral joins.
 */
final class ProductReportQueries {
    static final String EVENTS = "pg_temp.product_events";

    private ProductReportQueries() {}

    /** Statements that (re)create {@link #EVENTS} from the source events table. */
    static List<String> snapshot(String eventsTable) {
        return List.of(
                "DROP TABLE IF EXISTS " + EVENTS,
                "CREATE TEMP TABLE product_events AS SELECT event_id::text AS event_id,"
                        + " user_id::text AS user_id, occurred_at, event_name, properties FROM "
                        + eventsTable
                        + " WHERE "
                        + AnalyticsReport.VALID,
                "CREATE INDEX ON " + EVENTS + " (user_id, occurred_at)",
                "ANALYZE " + EVENTS);
    }

    /**
     * funnel_daily of {@code f}, rows with users: day, step, users, median_seconds_to_step in
     * microseconds. Each step after the first is a lateral join on the one before: ORDERED the
     * first matching event after it within the window, STRICT the user's next event, kept when it
     * matches and is within the window; a user's best attempt of a day is the one reaching the
     * highest step, ties to the earliest start.
     */
    static String funnel(FunnelDefinition f) {
        int k = f.steps().size();
        String window = "interval '" + f.windowUs() + " microseconds'";
        StringBuilder sql = new StringBuilder();
        sql.append("WITH starts AS (SELECT e.user_id, e.event_id AS id1, e.occurred_at AS t1,")
                .append(" (e.occurred_at AT TIME ZONE 'UTC')::date AS day FROM ")
                .append(EVENTS)
                .append(" e WHERE ")
                .append(matches(f.steps().get(0), "e"))
                .append("),\nattempts AS (SELECT s.user_id, s.day, s.id1, s.t1");
        for (int s = 2; s <= k; s++) {
            sql.append(", s").append(s).append(".t AS t").append(s);
        }
        sql.append(" FROM starts s");
        for (int s = 2; s <= k; s++) {
            String prev = s == 2 ? "s.t1, s.id1" : "s" + (s - 1) + ".t, s" + (s - 1) + ".id";
            String next =
                    "SELECT x.occurred_at AS t, x.event_id AS id, x.event_name, x.properties FROM "
                            + EVENTS
                            + " x WHERE x.user_id = s.user_id"
                            + " AND (x.occurred_at, x.event_id COLLATE \"C\") > ("
                            + prev
                            + " COLLATE \"C\")";
            String first = " ORDER BY x.occurred_at, x.event_id COLLATE \"C\" LIMIT 1";
            Step step = f.steps().get(s - 1);
            sql.append("\n LEFT JOIN LATERAL (SELECT n.t, n.id FROM (").append(next);
            if (f.mode() == Mode.ORDERED) { // the first matching event within the window
                sql.append(" AND x.occurred_at <= s.t1 + ")
                        .append(window)
                        .append(" AND ")
                        .append(matches(step, "x"))
                        .append(first)
                        .append(") n");
            } else { // the very next event, if it matches within the window
                sql.append(first)
                        .append(") n WHERE n.t <= s.t1 + ")
                        .append(window)
                        .append(" AND ")
                        .append(matches(step, "n"));
            }
            sql.append(") s").append(s).append(" ON true");
        }
        sql.append("),\nlevels AS (SELECT a.*, CASE");
        for (int s = 2; s <= k; s++) {
            sql.append(" WHEN a.t").append(s).append(" IS NULL THEN ").append(s - 1);
        }
        sql.append(" ELSE ")
                .append(k)
                .append(" END AS level FROM attempts a),\n")
                .append("best AS (SELECT l.*, row_number() OVER (PARTITION BY l.user_id, l.day")
                .append(
                        " ORDER BY l.level DESC, l.t1, l.id1 COLLATE \"C\") AS rank FROM levels l)\n")
                .append("SELECT b.day::text, v.step, count(*),")
                .append(" round(percentile_disc(0.5) WITHIN GROUP (ORDER BY v.seconds) * 1000000)")
                .append("::bigint FROM best b CROSS JOIN LATERAL (VALUES (1, 0::numeric)");
        for (int s = 2; s <= k; s++) {
            sql.append(", (").append(s).append(", extract(epoch FROM b.t").append(s);
            sql.append(" - b.t1)::numeric)");
        }
        return sql.append(") AS v(step, seconds) WHERE b.rank = 1 AND v.step <= b.level")
                .append(" GROUP BY b.day, v.step ORDER BY b.day, v.step")
                .toString();
    }

    /**
     * retention_weekly: cohort_week, week_n, cohort_users, retained_users for n = 0..12, with
     * {@code returnEvent} as the return event (null: any event).
     */
    static String retention(String returnEvent) {
        return "WITH ev AS (SELECT user_id, event_name,"
                + " date_trunc('week', occurred_at AT TIME ZONE 'UTC')::date AS wk FROM "
                + EVENTS
                + "), cohort AS (SELECT user_id, min(wk) AS cohort_week FROM ev GROUP BY user_id),"
                + " returned AS (SELECT DISTINCT user_id, wk FROM ev"
                + (returnEvent == null ? "" : " WHERE event_name = " + literal(returnEvent))
                + ") SELECT c.cohort_week::text, n.week_n, count(*), count(r.user_id)"
                + " FROM cohort c CROSS JOIN generate_series(0, 12) AS n(week_n)"
                + " LEFT JOIN returned r ON r.user_id = c.user_id"
                + " AND r.wk = c.cohort_week + 7 * n.week_n"
                + " GROUP BY c.cohort_week, n.week_n ORDER BY c.cohort_week, n.week_n";
    }

    /** day, dau, wau, mau (the day, the 7 and the 30 days ending on it) of each of {@code days}. */
    static String activeUsers(List<LocalDate> days) {
        String list = days.stream().map(d -> "'" + d + "'::date").collect(Collectors.joining(", "));
        return "WITH ud AS (SELECT DISTINCT user_id, (occurred_at AT TIME ZONE 'UTC')::date AS day"
                + " FROM "
                + EVENTS
                + ") SELECT d::text, count(DISTINCT user_id) FILTER (WHERE day = d),"
                + " count(DISTINCT user_id) FILTER (WHERE day > d - 7), count(DISTINCT user_id)"
                + " FROM unnest(ARRAY["
                + list
                + "]) AS d LEFT JOIN ud ON day BETWEEN d - 29 AND d GROUP BY d ORDER BY d";
    }

    /** An event of {@code alias} (event_name, jsonb properties) matches {@code step}. */
    private static String matches(Step step, String alias) {
        StringBuilder sql = new StringBuilder(alias + ".event_name = " + literal(step.eventName()));
        for (Map.Entry<String, String> f : step.filters().entrySet()) {
            sql.append(" AND ").append(alias).append(".properties->>").append(literal(f.getKey()));
            sql.append(" = ").append(literal(f.getValue()));
        }
        return sql.toString();
    }

    /** A Postgres string literal (standard_conforming_strings: only quotes are doubled). */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }
}
