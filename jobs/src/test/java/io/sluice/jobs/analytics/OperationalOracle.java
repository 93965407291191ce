package io.sluice.jobs.analytics;

/**
 * The operational tables as SQL over the counted events in Postgres ({@code counted}, defined by
 * {@link EventOracle}), written from docs/operational-analytics.md independently of the job's code,
 * and the same rows read from ClickHouse, each row as one {@code |}-joined text.
 */
final class OperationalOracle {
    private OperationalOracle() {}

    private static final String NUMBER = "'^-?[0-9]+(\\.[0-9]+)?$'";

    private static String text(String property) {
        return "CASE WHEN jsonb_typeof(properties->'"
                + property
                + "') IN ('string', 'number', 'boolean') THEN properties->>'"
                + property
                + "' ELSE '' END";
    }

    private static long seconds(String table) {
        return table.endsWith("_1m") ? 60 : 3600;
    }

    private static String window(String table) {
        long size = seconds(table);
        return "(floor(extract(epoch FROM occurred_at) / " + size + ") * " + size + ")::bigint";
    }

    /**
     * Per window, service and version: the request events, and those whose status is a number of at
     * least 500; a missing or non-text service or version is ''.
     */
    static String errors(String table) {
        return "SELECT w || '|' || svc || '|' || ver || '|' || count(*) || '|'"
                + " || count(*) FILTER (WHERE err) FROM ("
                + requests(table)
                + ") x GROUP BY w, svc, ver";
    }

    /** Each counted request event: its window (w), service (svc), version (ver), error (err). */
    private static String requests(String table) {
        return "SELECT "
                + window(table)
                + " AS w, "
                + text("service")
                + " AS svc, "
                + text("version")
                + " AS ver, CASE WHEN properties->>'status' ~ "
                + NUMBER
                + " THEN (properties->>'status')::numeric >= 500 ELSE false END AS err"
                + " FROM counted WHERE event_name = 'api_request'";
    }

    /**
     * The transitions of error_rate (docs/alerts.md) at the ends of minutes up to {@code boundSec}:
     * per service@version, the requests and errors of the 5 minutes before each minute end t (and
     * of the 5 before t − 1 min); the rule holds with at least {@code minRequests} requests and
     * errors / requests above 0.02; a transition where it differs. The condition can only change
     * where a minute with requests enters or leaves the window, so only those ends are looked at.
     * Value as an integer of 1e-9.
     */
    static String errorRateAlerts(long boundSec, int minRequests) {
        String holds = " >= " + minRequests + " AND ";
        return "WITH b AS (SELECT svc || '@' || ver AS k, w AS m, count(*) AS req,"
                + " count(*) FILTER (WHERE err) AS err FROM ("
                + requests("errors_1m")
                + ") x GROUP BY 1, 2),"
                + " p AS (SELECT k, m, sum(req) AS req, sum(err) AS err FROM (SELECT k, m, req, err"
                + " FROM b UNION ALL SELECT DISTINCT k, m + 60 * i, 0, 0 FROM b,"
                + " generate_series(1, 5) i) u GROUP BY k, m),"
                + " s AS (SELECT k, m + 60 AS t,"
                + " sum(req) OVER (PARTITION BY k ORDER BY m RANGE BETWEEN 240 PRECEDING AND"
                + " CURRENT ROW) AS rn,"
                + " sum(err) OVER (PARTITION BY k ORDER BY m RANGE BETWEEN 240 PRECEDING AND"
                + " CURRENT ROW) AS en,"
                + " coalesce(sum(req) OVER (PARTITION BY k ORDER BY m RANGE BETWEEN 300 PRECEDING"
                + " AND 60 PRECEDING), 0) AS rb,"
                + " coalesce(sum(err) OVER (PARTITION BY k ORDER BY m RANGE BETWEEN 300 PRECEDING"
                + " AND 60 PRECEDING), 0) AS eb FROM p),"
                + " h AS (SELECT k, t, rn"
                + holds
                + "en::float8 / nullif(rn, 0)::float8 > 0.02 AS now, rb"
                + holds
                + "eb::float8 / nullif(rb, 0)::float8 > 0.02 AS before,"
                + " CASE WHEN rn = 0 THEN 0 ELSE en::float8 / rn::float8 END AS v FROM s)"
                + " SELECT k || '|' || t || '|' || CASE WHEN now THEN 'firing' ELSE 'resolved'"
                + " END || '|' || (v * 1e9)::bigint FROM h WHERE now IS DISTINCT FROM"
                + " coalesce(before, false) AND t <= "
                + boundSec;
    }

    /**
     * The transitions of dau_drop at the ends of UTC days up to {@code boundSec}: DAU of the day
     * ending at t against the day before; the rule holds with at least 1 user the day before and
     * (before − day) / before above 0.2.
     */
    static String dauDropAlerts(long boundSec) {
        return "WITH ud AS (SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day,"
                + " count(DISTINCT user_id) AS dau FROM counted GROUP BY 1),"
                + " days AS (SELECT generate_series(min(day), max(day) + 2, interval '1 day')::date"
                + " AS d FROM ud),"
                + " s AS (SELECT d, coalesce(ud.dau, 0) AS dau, coalesce(lag(ud.dau) OVER (ORDER BY"
                + " d), 0) AS before FROM days LEFT JOIN ud ON ud.day = d),"
                + " h AS (SELECT d, before >= 1 AND (before - dau)::float8 / nullif(before, 0) > 0.2"
                + " AS now,"
                + " CASE WHEN before = 0 THEN 0 ELSE (before - dau)::float8 / before END AS v,"
                + " dau FROM s),"
                + " x AS (SELECT d, now, v, coalesce(lag(now) OVER (ORDER BY d), false) AS was"
                + " FROM h)"
                + " SELECT '|' || extract(epoch FROM d + 1)::bigint || '|' || CASE WHEN now THEN"
                + " 'firing' ELSE 'resolved' END || '|' || (v * 1e9)::bigint FROM x"
                + " WHERE now <> was AND extract(epoch FROM d + 1) <= "
                + boundSec;
    }

    static String alertsClickHouse(String rule, long boundSec) {
        return "SELECT concat(key, '|', toString(toUnixTimestamp(since)), '|', state, '|',"
                + " toString(toInt64(round(value * 1e9)))) FROM alerts FINAL"
                + " WHERE _is_deleted = 0 AND rule = '"
                + rule
                + "' AND toUnixTimestamp(since) <= "
                + boundSec;
    }

    static String errorsClickHouse(String table) {
        return "SELECT concat(toString(toUnixTimestamp(window_start)), '|', toString(service), '|',"
                + " toString(version), '|', toString(requests), '|', toString(errors)) FROM "
                + table
                + " FINAL WHERE requests != 0";
    }

    static String wrongErrorRates(String table) {
        return "SELECT count() FROM "
                + table
                + " FINAL WHERE abs(error_rate - if(requests = 0, 0, errors / requests)) > 1e-9";
    }

    /**
     * Per window and endpoint: the request events with a numeric latency (a JSON number or a string
     * of digits), {@code percentile_disc} at 0.5, 0.95 and 0.99, and the largest.
     */
    static String latency(String table) {
        String numeric = "properties->>'latency_ms' ~ " + NUMBER;
        return "SELECT w || '|' || ep || '|' || count(*)"
                + " || '|' || (percentile_disc(0.5) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || (percentile_disc(0.95) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || (percentile_disc(0.99) WITHIN GROUP (ORDER BY lat))::float8"
                + " || '|' || max(lat)::float8 FROM (SELECT "
                + window(table)
                + " AS w, "
                + text("endpoint")
                + " AS ep, CASE WHEN "
                + numeric
                + " THEN (properties->>'latency_ms')::numeric END AS lat FROM counted"
                + " WHERE event_name = 'api_request' AND coalesce("
                + numeric
                + ", false)) x GROUP BY w, ep";
    }

    static String latencyClickHouse(String table) {
        return "SELECT concat(toString(toUnixTimestamp(window_start)), '|', toString(endpoint), '|',"
                + " toString(requests), '|', toString(p50_ms), '|', toString(p95_ms), '|',"
                + " toString(p99_ms), '|', toString(max_ms)) FROM "
                + table
                + " FINAL WHERE requests != 0";
    }
}
