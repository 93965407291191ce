package io.sluice.jobs.analytics;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.FunnelDefinition.Mode;
import io.sluice.common.config.FunnelDefinition.Step;
import java.util.Map;

/**
 * analytics.funnel_daily by SQL, written from the definition (see {@code FunnelMatcher}) apart from
 * the job's code: over the Postgres source events, and, for ORDERED funnels without filters, with
 * ClickHouse's own {@code windowFunnel} over analytics.events.
 *
 * <p>The Postgres query yields only (day, step)s with users: the job also writes rows with 0 users
 * (every step of a day with an attempt), which a comparison must leave out.
 */
public final class FunnelOracle {
    private FunnelOracle() {}

    /** The columns of a Postgres events table (SQL identifiers, inserted as written). */
    public record Columns(
            String eventId, String userId, String occurredAt, String eventName, String properties) {
        public static final Columns DEFAULT =
                new Columns("event_id", "user_id", "occurred_at", "event_name", "properties");
    }

    /** {@link #postgres(FunnelDefinition, String, Columns)} with the default column names. */
    public static String postgres(FunnelDefinition f, String table) {
        return postgres(f, table, Columns.DEFAULT);
    }

    /**
     * A Postgres query computing funnel_daily of {@code f} over {@code table} (timestamptz
     * occurred_at, jsonb properties): columns funnel, day (date), step, users,
     * median_seconds_to_step (numeric), ordered by day and step. Events are ordered by
     * (occurred_at, event_id) with event ids compared bytewise ({@code COLLATE "C"}), as Java
     * compares them; each step is a LATERAL join on the step before: ORDERED the first matching
     * event after it within the window, STRICT the user's next event, kept when it matches and is
     * within the window.
     */
    public static String postgres(FunnelDefinition f, String table, Columns c) {
        int k = f.steps().size();
        // In seconds: Postgres before 15 refuses a microseconds field beyond 32 bits.
        String window =
                "interval '"
                        + java.math.BigDecimal.valueOf(f.windowUs(), 6).toPlainString()
                        + " seconds'";
        StringBuilder sql = new StringBuilder();
        sql.append("WITH starts AS (SELECT e.")
                .append(c.userId())
                .append(" AS user_id, e.")
                .append(c.eventId())
                .append(" AS id1, e.")
                .append(c.occurredAt())
                .append(" AS t1, (e.")
                .append(c.occurredAt())
                .append(" AT TIME ZONE 'UTC')::date AS day FROM ")
                .append(table)
                .append(" e WHERE e.")
                .append(c.userId())
                .append(" IS NOT NULL AND e.")
                .append(c.occurredAt())
                .append(" IS NOT NULL AND ")
                .append(matches(f.steps().get(0), "e." + c.eventName(), "e." + c.properties()))
                .append("),\nattempts AS (SELECT s.user_id, s.day, s.id1, s.t1");
        for (int s = 2; s <= k; s++) {
            sql.append(", s").append(s).append(".t AS t").append(s);
        }
        sql.append(" FROM starts s");
        for (int s = 2; s <= k; s++) {
            String prevT = s == 2 ? "s.t1" : "s" + (s - 1) + ".t";
            String prevId = s == 2 ? "s.id1" : "s" + (s - 1) + ".id";
            String after =
                    "x."
                            + c.userId()
                            + " = s.user_id AND (x."
                            + c.occurredAt()
                            + ", x."
                            + c.eventId()
                            + " COLLATE \"C\") > ("
                            + prevT
                            + ", "
                            + prevId
                            + " COLLATE \"C\")";
            String order =
                    " ORDER BY x."
                            + c.occurredAt()
                            + ", x."
                            + c.eventId()
                            + " COLLATE \"C\" LIMIT 1";
            Step step = f.steps().get(s - 1);
            sql.append("\n LEFT JOIN LATERAL (");
            if (f.mode() == Mode.ORDERED) {
                sql.append("SELECT x.")
                        .append(c.occurredAt())
                        .append(" AS t, x.")
                        .append(c.eventId())
                        .append(" AS id FROM ")
                        .append(table)
                        .append(" x WHERE ")
                        .append(after)
                        .append(" AND x.")
                        .append(c.occurredAt())
                        .append(" <= s.t1 + ")
                        .append(window)
                        .append(" AND ")
                        .append(matches(step, "x." + c.eventName(), "x." + c.properties()))
                        .append(order);
            } else {
                sql.append("SELECT n.t, n.id FROM (SELECT x.")
                        .append(c.occurredAt())
                        .append(" AS t, x.")
                        .append(c.eventId())
                        .append(" AS id, x.")
                        .append(c.eventName())
                        .append(" AS n_name, x.")
                        .append(c.properties())
                        .append(" AS n_props FROM ")
                        .append(table)
                        .append(" x WHERE ")
                        .append(after)
                        .append(order)
                        .append(") n WHERE n.t <= s.t1 + ")
                        .append(window)
                        .append(" AND ")
                        .append(matches(step, "n.n_name", "n.n_props"));
            }
            sql.append(") s").append(s).append(" ON true");
        }
        sql.append("),\nlevels AS (SELECT a.*, CASE");
        for (int s = 2; s <= k; s++) {
            sql.append(" WHEN a.t").append(s).append(" IS NULL THEN ").append(s - 1);
        }
        sql.append(" ELSE ").append(k).append(" END AS level FROM attempts a),\n");
        sql.append(
                "best AS (SELECT l.*, row_number() OVER (PARTITION BY l.user_id, l.day"
                        + " ORDER BY l.level DESC, l.t1, l.id1 COLLATE \"C\") AS rank FROM levels"
                        + " l)\n");
        sql.append("SELECT ")
                .append(literal(f.name()))
                .append("::text AS funnel, b.day, v.step, count(*) AS users,")
                .append(" percentile_disc(0.5) WITHIN GROUP (ORDER BY v.seconds)")
                .append(" AS median_seconds_to_step FROM best b CROSS JOIN LATERAL (VALUES")
                .append(" (1, 0::numeric)");
        for (int s = 2; s <= k; s++) {
            sql.append(", (")
                    .append(s)
                    .append(", extract(epoch FROM b.t")
                    .append(s)
                    .append(" - b.t1)::numeric)");
        }
        sql.append(") AS v(step, seconds) WHERE b.rank = 1 AND v.step <= b.level")
                .append(" GROUP BY b.day, v.step ORDER BY b.day, v.step");
        return sql.toString();
    }

    /**
     * A ClickHouse query, valid on 18.16, for an ORDERED funnel without filters: users per (day,
     * step) by ClickHouse's {@code windowFunnel} over {@code database.events FINAL WHERE
     * _is_deleted = 0} (with {@code excludeLate}, without the events recorded late, which the
     * streaming job does not count and a backfill does), per user and day D with a step-1 event:
     * the level of the user's events from the start of D to the window after its end, with step 1
     * restricted to events on D. Columns day (yyyy-mm-dd), step, users; only (day, step)s with
     * users.
     *
     * <p>Before 19.x {@code windowFunnel} takes only a DateTime or UInt32 time, so the time is the
     * milliseconds since the start of D (a UInt32 for the day and the window after it). Results
     * equal the job's unless two events of a user that matter share a millisecond or a step lies
     * within a millisecond of the window's end; events at the same time are in ClickHouse's order,
     * not by event id.
     */
    public static String clickHouseUsers(FunnelDefinition f, String database, boolean excludeLate) {
        if (f.mode() != Mode.ORDERED || f.steps().stream().anyMatch(s -> !s.filters().isEmpty())) {
            throw new IllegalArgumentException(
                    "windowFunnel computes only ORDERED funnels without filters: " + f);
        }
        String events = "`" + database + "`.events";
        String dayStartUs = "toInt64(toUInt32(start_day)) * 86400000000";
        String time = "toUInt32(intDiv(occurred_at_us - " + dayStartUs + ", 1000))";
        long window = f.windowUs() / 1000;
        StringBuilder conditions = new StringBuilder();
        StringBuilder names = new StringBuilder();
        for (int s = 0; s < f.steps().size(); s++) {
            String name = chLiteral(f.steps().get(s).eventName());
            conditions.append(", event_name = ").append(name);
            if (s == 0) {
                conditions.append(" AND toDate(occurred_at) = start_day");
            }
            names.append(s == 0 ? "" : ", ").append(name);
        }
        String counted =
                " FINAL WHERE _is_deleted = 0"
                        + (excludeLate
                                ? " AND event_id NOT IN (SELECT event_id FROM `"
                                        + database
                                        + "`.late_events WHERE kind = 'event')"
                                : "");
        return "SELECT toString(day) AS day, toInt64(i + 1) AS step, count() AS users FROM ("
                + "SELECT start_day AS day, windowFunnel("
                + window
                + ")("
                + time
                + conditions
                + ") AS level FROM (SELECT user_id, occurred_at, occurred_at_us, event_name FROM "
                + events
                + counted
                + " AND event_name IN ("
                + names
                + ")) AS steps ALL INNER JOIN (SELECT DISTINCT user_id, toDate(occurred_at) AS"
                + " start_day"
                + " FROM "
                + events
                + counted
                + " AND event_name = "
                + chLiteral(f.steps().get(0).eventName())
                + ") AS start_days USING user_id WHERE occurred_at_us >= "
                + dayStartUs
                + " AND occurred_at_us <= "
                + dayStartUs
                + " + "
                + (86_400_000_000L + f.windowUs())
                + " GROUP BY user_id, start_day) ARRAY JOIN range(level) AS i"
                + " GROUP BY day, step ORDER BY day, step";
    }

    /** A condition that an event with these name and jsonb properties matches {@code step}. */
    private static String matches(Step step, String name, String properties) {
        StringBuilder sql = new StringBuilder(name).append(" = ").append(literal(step.eventName()));
        for (Map.Entry<String, String> f : step.filters().entrySet()) {
            sql.append(" AND ")
                    .append(properties)
                    .append("->>")
                    .append(literal(f.getKey()))
                    .append(" = ")
                    .append(literal(f.getValue()));
        }
        return sql.toString();
    }

    /** A Postgres string literal (standard_conforming_strings: only quotes are doubled). */
    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    /** A ClickHouse string literal (backslash escapes). */
    private static String chLiteral(String text) {
        return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
