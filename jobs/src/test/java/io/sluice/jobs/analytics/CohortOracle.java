package io.sluice.jobs.analytics;

import io.sluice.common.config.FeatureDefinition;
import java.util.ArrayList;
import java.util.List;

/**
 * What analytics.retention_weekly and analytics.feature_adoption_weekly must hold, as SQL written
 * from the definitions (see {@code UserCohortFunction}), apart from the job's code: over a Postgres
 * events table, and (retention) over ClickHouse's analytics.events with ClickHouse's own {@code
 * retention} aggregate. Each query returns the table's columns but {@code _version}, ordered by its
 * key.
 *
 * <p>Compare with the job's rows read with FINAL after dropping the job's rows of cohorts without
 * users ({@code cohort_users = 0}) and of cohort features without adopters ({@code adopters = 0} in
 * week 12): the job keeps those rows with zeros once written, and these queries, computed from the
 * events that remain, cannot know them.
 */
final class CohortOracle {
    private CohortOracle() {}

    /** The columns of a Postgres events table. */
    record Columns(String userId, String occurredAt, String eventName, String properties) {
        static final Columns DEFAULT =
                new Columns("user_id", "occurred_at", "event_name", "properties");
    }

    /**
     * retention_weekly over {@code table} (a table or view of the counted events only, e.g.
     * EventOracle's {@code counted}), with {@code returnEvent} as the return event (null: any).
     */
    static String postgresRetentionWeekly(String table, Columns c, String returnEvent) {
        return "WITH ev AS ("
                + weeks(table, c)
                + "), cohort AS (SELECT user_id, min(wk) AS cohort_week FROM ev GROUP BY user_id),"
                + " returned AS (SELECT DISTINCT user_id, wk FROM ev"
                + (returnEvent == null ? "" : " WHERE event_name = " + pgText(returnEvent))
                + ")"
                + " SELECT c.cohort_week, n.week_n::bigint AS week_n,"
                + " count(*)::bigint AS cohort_users, count(r.user_id)::bigint AS retained_users"
                + " FROM cohort c CROSS JOIN generate_series(0, 12) AS n(week_n)"
                + " LEFT JOIN returned r ON r.user_id = c.user_id"
                + " AND r.wk = c.cohort_week + 7 * n.week_n"
                + " GROUP BY c.cohort_week, n.week_n ORDER BY c.cohort_week, n.week_n";
    }

    /** The columns of a Postgres users table (for cohorts by signup). */
    record UserColumns(String userId, String signedUpAt) {
        static final UserColumns DEFAULT = new UserColumns("user_id", "created_at");
    }

    /**
     * retention_weekly with {@code analytics.retention.cohort-by: signup}: the cohorts are the
     * users of {@code usersTable} with a signup time, each in the week of that time (users without
     * events included, users without a row left out); the return events come from {@code
     * eventsTable} (counted events only) as in {@link #postgresRetentionWeekly}. An event before
     * the signup week is in no week n of 0..12, so it counts for nothing.
     */
    static String postgresRetentionWeeklyBySignup(
            String eventsTable, Columns c, String usersTable, UserColumns u, String returnEvent) {
        return "WITH ev AS ("
                + weeks(eventsTable, c)
                + "), cohort AS ("
                + signupCohorts(usersTable, u)
                + "), returned AS (SELECT DISTINCT user_id, wk FROM ev"
                + (returnEvent == null ? "" : " WHERE event_name = " + pgText(returnEvent))
                + ")"
                + " SELECT c.cohort_week, n.week_n::bigint AS week_n,"
                + " count(*)::bigint AS cohort_users, count(r.user_id)::bigint AS retained_users"
                + " FROM cohort c CROSS JOIN generate_series(0, 12) AS n(week_n)"
                + " LEFT JOIN returned r ON r.user_id = c.user_id"
                + " AND r.wk = c.cohort_week + 7 * n.week_n"
                + " GROUP BY c.cohort_week, n.week_n ORDER BY c.cohort_week, n.week_n";
    }

    /**
     * feature_adoption_weekly with {@code analytics.retention.cohort-by: signup}: cohorts as in
     * {@link #postgresRetentionWeeklyBySignup}, a user's first use taken among the uses in the
     * signup week or later, otherwise as {@link #postgresFeatureAdoptionWeekly}.
     */
    static String postgresFeatureAdoptionWeeklyBySignup(
            String eventsTable,
            Columns c,
            String usersTable,
            UserColumns u,
            List<FeatureDefinition> features) {
        return "WITH ev AS ("
                + weeks(eventsTable, c)
                + "), cohort AS ("
                + signupCohorts(usersTable, u)
                + "), sizes AS (SELECT cohort_week, count(*) AS cohort_users FROM cohort"
                + " GROUP BY cohort_week),"
                + " uses AS ("
                + uses(features)
                + "), first_use AS (SELECT s.user_id, s.feature, min(s.wk) AS first_wk"
                + " FROM uses s JOIN cohort c USING (user_id) WHERE s.wk >= c.cohort_week"
                + " GROUP BY s.user_id, s.feature),"
                + adoptedAndRows();
    }

    /** Per user with a users row and a signup time: the user id as text and the signup week. */
    private static String signupCohorts(String usersTable, UserColumns u) {
        return "SELECT "
                + u.userId()
                + "::text AS user_id, date_trunc('week', "
                + u.signedUpAt()
                + " AT TIME ZONE 'UTC')::date AS cohort_week FROM "
                + usersTable
                + " WHERE "
                + u.userId()
                + " IS NOT NULL AND "
                + u.signedUpAt()
                + " IS NOT NULL";
    }

    /**
     * feature_adoption_weekly over {@code table} (counted events only) for {@code features}: rows
     * of every cohort and feature with an adopter in weeks 0..12. A property's text follows {@code
     * EventProperties}: a JSON string as its characters, a number or boolean as JSON text, nothing
     * for null, objects and arrays. (A number is Postgres' jsonb text, which may differ from the
     * job's for numbers like 1.50 or 1e2; promoted properties are read from properties too.)
     */
    static String postgresFeatureAdoptionWeekly(
            String table, Columns c, List<FeatureDefinition> features) {
        return "WITH ev AS ("
                + weeks(table, c)
                + "), cohort AS (SELECT user_id, min(wk) AS cohort_week FROM ev GROUP BY user_id),"
                + " sizes AS (SELECT cohort_week, count(*) AS cohort_users FROM cohort"
                + " GROUP BY cohort_week),"
                + " uses AS ("
                + uses(features)
                + "), first_use AS (SELECT user_id, feature, min(wk) AS first_wk FROM uses"
                + " GROUP BY user_id, feature),"
                + adoptedAndRows();
    }

    /** (user_id, wk, feature) of every use of the features among ev. */
    private static String uses(List<FeatureDefinition> features) {
        List<String> uses = new ArrayList<>();
        for (FeatureDefinition f : features) {
            String name = "event_name = " + pgText(f.eventName());
            if (f.property() == null) {
                uses.add("SELECT user_id, wk, event_name AS feature FROM ev WHERE " + name);
            } else {
                String v = "properties -> " + pgText(f.property());
                uses.add(
                        "SELECT user_id, wk, CASE jsonb_typeof("
                                + v
                                + ") WHEN 'string' THEN "
                                + "properties ->> "
                                + pgText(f.property())
                                + " ELSE ("
                                + v
                                + ")::text END AS feature FROM ev WHERE "
                                + name
                                + " AND jsonb_typeof("
                                + v
                                + ") IN ('string', 'number', 'boolean')");
            }
        }
        if (uses.isEmpty()) {
            uses.add("SELECT user_id, wk, event_name AS feature FROM ev WHERE false");
        }
        return String.join(" UNION ALL ", uses);
    }

    /** From cohort, sizes and first_use: the rows of the cohort features with an adopter. */
    private static String adoptedAndRows() {
        return " adopted AS (SELECT c.cohort_week, f.feature,"
                + " (f.first_wk - c.cohort_week) / 7 AS first_n"
                + " FROM first_use f JOIN cohort c USING (user_id)"
                + " WHERE f.first_wk - c.cohort_week <= 7 * 12)"
                + " SELECT a.cohort_week, a.feature, n.week_n::bigint AS week_n,"
                + " s.cohort_users::bigint AS cohort_users,"
                + " count(*) FILTER (WHERE a.first_n <= n.week_n)::bigint AS adopters"
                + " FROM adopted a JOIN sizes s USING (cohort_week)"
                + " CROSS JOIN generate_series(0, 12) AS n(week_n)"
                + " GROUP BY a.cohort_week, a.feature, n.week_n, s.cohort_users"
                + " ORDER BY a.cohort_week, a.feature, n.week_n";
    }

    /** The events with their ISO week (the Date of its Monday, UTC). */
    private static String weeks(String table, Columns c) {
        return "SELECT "
                + c.userId()
                + "::text AS user_id, "
                + c.eventName()
                + "::text AS event_name, "
                + c.properties()
                + " AS properties, date_trunc('week', "
                + c.occurredAt()
                + " AT TIME ZONE 'UTC')::date AS wk FROM "
                + table
                + " WHERE "
                + c.userId()
                + " IS NOT NULL AND "
                + c.occurredAt()
                + " IS NOT NULL";
    }

    /**
     * retention_weekly over ClickHouse's {@code database}.events (FINAL, not deleted), with
     * ClickHouse's {@code retention} aggregate, for ClickHouse 18.16 and later. Per user, the
     * cohort is {@code toMonday(min(occurred_at))}; {@code retention(c0, c1, ..., c12)} with c0 =
     * an event in the cohort week and ci = a return event in week cohort + i (ClickHouse counts ci
     * only where c0 holds, true for every user since the cohort week has the first event). Week 0
     * of a configured return event needs a return event in the cohort week, which c0 (any event)
     * does not say, so it comes from its own {@code max}.
     *
     * <p>analytics.events also holds late events, which never reach the cohort operators: {@code
     * excludeLate} leaves out the events recorded in analytics.late_events as {@code kind =
     * 'event'} (a late correction or delete, {@code retraction}, is not accounted for: compare on a
     * workload without those).
     */
    static String clickHouseRetentionWeekly(
            String database, String returnEvent, boolean excludeLate) {
        String events =
                "SELECT user_id, occurred_at, event_name FROM "
                        + database
                        + ".events FINAL WHERE _is_deleted = 0"
                        + (excludeLate
                                ? " AND event_id NOT IN (SELECT event_id FROM "
                                        + database
                                        + ".late_events WHERE kind = 'event')"
                                : "");
        String isReturn = returnEvent == null ? "" : " AND event_name = " + chText(returnEvent);
        StringBuilder conditions = new StringBuilder("toMonday(occurred_at) = cohort_week");
        for (int i = 1; i <= 12; i++) {
            conditions
                    .append(", toMonday(occurred_at) = cohort_week + ")
                    .append(7 * i)
                    .append(isReturn);
        }
        return "SELECT cohort_week, toInt64(week_n) AS week_n, toInt64(count()) AS cohort_users,"
                + " toInt64(sum(retained)) AS retained_users FROM ("
                + " SELECT cohort_week, arrayJoin(range(13)) AS week_n,"
                + " if(week_n = 0, r0, r[week_n + 1]) AS retained FROM ("
                + " SELECT user_id, cohort_week, retention("
                + conditions
                + ") AS r, max(toMonday(occurred_at) = cohort_week"
                + isReturn
                + ") AS r0 FROM ("
                + events
                // ALL, not ANY: since ClickHouse 20 an ANY INNER JOIN keeps one left row per key.
                + ") AS ev ALL INNER JOIN (SELECT user_id, toMonday(min(occurred_at)) AS"
                + " cohort_week FROM ("
                + events
                + ") GROUP BY user_id) AS cohorts USING user_id"
                + " GROUP BY user_id, cohort_week))"
                + " GROUP BY cohort_week, week_n ORDER BY cohort_week, week_n";
    }

    private static String pgText(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    private static String chText(String s) {
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
