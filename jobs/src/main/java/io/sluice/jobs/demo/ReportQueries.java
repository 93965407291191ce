package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseSql;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every ClickHouse query the demo reports run, in one place: one dialect that ClickHouse 18.16 and
 * 23+ both accept with the same results, which {@code DialectIT} checks on 18.16 and 26.7 (no
 * positional {@code ORDER BY 2}, no settings only one of them knows, ...). Analytics queries run in
 * the analytics database; mirror queries take the mirrored table's name.
 */
public final class ReportQueries {
    private ReportQueries() {}

    public static final String LIVE_EVENTS =
            "SELECT count() FROM events FINAL WHERE _is_deleted = 0";
    public static final String LIVE_SESSIONS =
            "SELECT count() FROM sessions FINAL WHERE _is_deleted = 0";
    public static final String LIVE_DEAD_LETTERS =
            "SELECT count() FROM dead_letters FINAL WHERE _is_deleted = 0";
    public static final String LATE_EVENTS = "SELECT count() FROM late_events FINAL";

    /** The newest alert transitions (docs/alerts.md). */
    public static final String RECENT_ALERTS =
            "SELECT toString(since), rule, key, state, toString(round(value, 4)),"
                    + " toString(threshold) FROM alerts FINAL WHERE _is_deleted = 0"
                    + " ORDER BY since DESC, rule, key LIMIT 12";

    /** How many rules have both fired and resolved. */
    public static final String RULES_FIRED_AND_RESOLVED =
            "SELECT count() FROM (SELECT rule FROM alerts FINAL WHERE _is_deleted = 0"
                    + " GROUP BY rule HAVING countIf(state = 'firing') > 0"
                    + " AND countIf(state = 'resolved') > 0)";

    public static final String RECENT_MINUTES =
            "SELECT toString(minute), sum(events) FROM events_per_minute FINAL"
                    + " GROUP BY minute HAVING sum(events) > 0"
                    + " ORDER BY minute DESC LIMIT 5";

    /** DAU/WAU/MAU of the last three UTC days, zeros for a day without a row. */
    public static final String ACTIVE_USERS_LAST_3_DAYS =
            "SELECT toString(d), dau, wau, mau FROM (SELECT toDate(now()) - number AS d"
                    + " FROM system.numbers LIMIT 3) AS days ANY LEFT JOIN"
                    + " (SELECT day AS d, dau, wau, mau FROM active_users_daily FINAL) AS active"
                    + " USING d ORDER BY d";

    /**
     * funnel_daily's rows with users, every funnel: funnel, day, step, users, and the median
     * seconds to the step in whole microseconds (as Postgres computes it, exactly).
     */
    public static final String FUNNEL_DAILY =
            "SELECT funnel, toString(day), step, users,"
                    + " toInt64(round(median_seconds_to_step * 1000000)) FROM funnel_daily FINAL"
                    + " WHERE users > 0 ORDER BY funnel, day, step";

    /** retention_weekly's rows of cohorts with users, in cohort and week order. */
    public static final String RETENTION_WEEKLY =
            "SELECT toString(cohort_week), week_n, cohort_users, retained_users"
                    + " FROM retention_weekly FINAL WHERE cohort_users > 0"
                    + " ORDER BY cohort_week, week_n";

    /** Every day of active_users_daily. */
    public static final String ACTIVE_USERS_DAILY =
            "SELECT toString(day), dau, wau, mau FROM active_users_daily FINAL ORDER BY day";

    private static final String MIRROR_LATEST =
            "SELECT * FROM %s FINAL WHERE NOT _is_deleted ORDER BY _version DESC LIMIT 3";

    private static final String MIRROR_COUNT = "SELECT count() FROM %s FINAL WHERE NOT _is_deleted";

    /** The newest rows of a mirrored table, named as in ClickHouse. */
    public static String mirrorLatest(String clickHouseTable) {
        return String.format(MIRROR_LATEST, ClickHouseSql.identifier(clickHouseTable));
    }

    /** The live rows of a mirrored table, named as in ClickHouse. */
    public static String mirrorCount(String clickHouseTable) {
        return String.format(MIRROR_COUNT, ClickHouseSql.identifier(clickHouseTable));
    }

    /** The analytics queries by name. */
    public static Map<String, String> analytics() {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("LIVE_EVENTS", LIVE_EVENTS);
        all.put("LIVE_SESSIONS", LIVE_SESSIONS);
        all.put("LIVE_DEAD_LETTERS", LIVE_DEAD_LETTERS);
        all.put("LATE_EVENTS", LATE_EVENTS);
        all.put("RECENT_MINUTES", RECENT_MINUTES);
        all.put("ACTIVE_USERS_LAST_3_DAYS", ACTIVE_USERS_LAST_3_DAYS);
        all.put("FUNNEL_DAILY", FUNNEL_DAILY);
        all.put("RETENTION_WEEKLY", RETENTION_WEEKLY);
        all.put("ACTIVE_USERS_DAILY", ACTIVE_USERS_DAILY);
        return all;
    }

    /** The mirror queries by name, for one mirrored table. */
    public static Map<String, String> mirror(String clickHouseTable) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("MIRROR_LATEST", mirrorLatest(clickHouseTable));
        all.put("MIRROR_COUNT", mirrorCount(clickHouseTable));
        return all;
    }
}
