package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.AlertOptions;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Prints what the analytics job produced, next to the same numbers computed by SQL over the
 * Postgres source: event counts, DAU/WAU/MAU of the last three UTC days, then ({@link
 * ProductReport}) the configured funnels, the retention triangle and DAU/WAU/MAU over weeks, and
 * ({@link FinanceReport}) revenue and MRR. Exits 1 when they differ after waiting. For {@code
 * ./sluice demo}; assumes the source contract's default column names.
 *
 * <p>Usage: {@code AnalyticsReport --config conf/sluice.yaml [--wait-seconds 60]}
 */
public final class AnalyticsReport {
    /** The events the job counts (not dead letters); the demo writes none late. */
    static final String VALID =
            "user_id IS NOT NULL AND occurred_at IS NOT NULL"
                    + " AND occurred_at <= now() + interval '10 minutes'"
                    + " AND (properties IS NULL OR jsonb_typeof(properties) = 'object')";

    private AnalyticsReport() {}

    public static void main(String[] args) throws Exception {
        DemoWorkload.Args a = new DemoWorkload.Args(args);
        SluiceConfig config = ConfigLoader.load(Path.of(a.get("--config", "conf/sluice.yaml")));
        long waitMillis = 1000L * Long.parseLong(a.get("--wait-seconds", "0"));
        long deadline = System.currentTimeMillis() + waitMillis;
        String events = config.get(AnalyticsOptions.EVENTS_TABLE);
        try (Connection pg = PostgresCatalog.openConnection(config);
                ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            List<String> source = activeUsers(pg, events);
            List<String> derived = activeUsersFromClickHouse(ch);
            long pgEvents = count(pg, "SELECT count(*) FROM " + events + " WHERE " + VALID);
            long chEvents = Long.parseLong(ch.queryValue(ReportQueries.LIVE_EVENTS));
            while ((!source.equals(derived) || pgEvents != chEvents)
                    && System.currentTimeMillis() < deadline) {
                Thread.sleep(1000); // waiting for the next checkpoint's commit, with a deadline
                source = activeUsers(pg, events);
                derived = activeUsersFromClickHouse(ch);
                pgEvents = count(pg, "SELECT count(*) FROM " + events + " WHERE " + VALID);
                chEvents = Long.parseLong(ch.queryValue(ReportQueries.LIVE_EVENTS));
            }
            System.out.println("\nAnalytics (ClickHouse database " + ch.database() + "):");
            System.out.printf(
                    "  usable events: postgres %d, analytics.events %d  %s%n",
                    pgEvents, chEvents, pgEvents == chEvents ? "ok" : "behind");
            System.out.println(
                    "  day         dau/wau/mau (SQL over Postgres)   (analytics.active_users_daily)");
            for (int i = 0; i < source.size(); i++) {
                System.out.printf(
                        "  %s   %-30s %s%n",
                        source.get(i).substring(0, 10),
                        source.get(i).substring(11),
                        i < derived.size() && derived.get(i).length() > 11
                                ? derived.get(i).substring(11)
                                : "-");
            }
            System.out.println("  events per minute, last 5 minutes with data:");
            for (List<String> r : ch.query(ReportQueries.RECENT_MINUTES)) {
                System.out.println("    " + r.get(0) + "  " + r.get(1));
            }
            // Sessions are derived once the event clock runs (10 s after the snapshot's last row)
            // and land with the checkpoints that follow: wait until their count settles.
            String sessions = "0";
            String before = "";
            int unchanged = 0;
            long sessionsDeadline = System.nanoTime() + 60_000_000_000L;
            while (pgEvents > 0 && System.nanoTime() < sessionsDeadline && unchanged < 6) {
                sessions = ch.queryValue(ReportQueries.LIVE_SESSIONS).trim();
                unchanged = sessions.equals(before) && !"0".equals(sessions) ? unchanged + 1 : 0;
                before = sessions;
                Thread.sleep(1_000); // polling ClickHouse, with a deadline
            }
            System.out.println(
                    "  sessions: "
                            + sessions.trim()
                            + ", dead letters: "
                            + ch.queryValue(ReportQueries.LIVE_DEAD_LETTERS)
                            + ", late events: "
                            + ch.queryValue(ReportQueries.LATE_EVENTS));
            printAlerts(ch, config);
            boolean match = source.equals(derived) && pgEvents == chEvents;
            System.out.println(
                    match
                            ? "Analytics match SQL over Postgres."
                            : "Analytics do not match SQL over Postgres yet.");
            System.out.println();
            boolean product = ProductReport.print(pg, ch, config, waitMillis);
            System.out.println();
            boolean finance = FinanceReport.print(pg, ch, config, waitMillis);
            if (!match || !product || !finance) {
                System.exit(1);
            }
        }
    }

    /**
     * The newest alert transitions, once both default rules fired and resolved over the demo's
     * history (its outage day, its error burst), or after 60 s.
     */
    private static void printAlerts(ClickHouseConnection ch, SluiceConfig config)
            throws InterruptedException {
        int rules = config.get(AlertOptions.RULES_ENABLED).size();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (Long.parseLong(ch.queryValue(ReportQueries.RULES_FIRED_AND_RESOLVED).trim()) < rules
                && System.nanoTime() < deadline) {
            Thread.sleep(1_000); // polling ClickHouse, with a deadline
        }
        System.out.println("  alerts (analytics.alerts, newest first):");
        List<List<String>> alerts = ch.query(ReportQueries.RECENT_ALERTS);
        if (alerts.isEmpty()) {
            System.out.println("    none");
        }
        for (List<String> r : alerts) {
            System.out.printf(
                    "    %s  %-10s %-12s %-8s value %s (threshold %s)%n",
                    r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        }
    }

    private static long count(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** "YYYY-MM-DD dau/wau/mau" for the last three UTC days, by SQL over the source. */
    private static List<String> activeUsers(Connection pg, String events) throws Exception {
        String sql =
                "WITH ev AS (SELECT user_id, (occurred_at AT TIME ZONE 'UTC')::date AS day FROM "
                        + events
                        + " WHERE "
                        + VALID
                        + "), days AS (SELECT ((now() AT TIME ZONE 'UTC')::date - g) AS d"
                        + " FROM generate_series(0, 2) g)"
                        + " SELECT d::text,"
                        + " (SELECT count(DISTINCT user_id) FROM ev WHERE day = d),"
                        + " (SELECT count(DISTINCT user_id) FROM ev WHERE day BETWEEN d - 6 AND d),"
                        + " (SELECT count(DISTINCT user_id) FROM ev WHERE day BETWEEN d - 29 AND d)"
                        + " FROM days ORDER BY d";
        List<String> out = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(
                        rs.getString(1)
                                + " "
                                + rs.getLong(2)
                                + "/"
                                + rs.getLong(3)
                                + "/"
                                + rs.getLong(4));
            }
        }
        return out;
    }

    private static List<String> activeUsersFromClickHouse(ClickHouseConnection ch) {
        List<String> out = new ArrayList<>();
        for (List<String> r : ch.query(ReportQueries.ACTIVE_USERS_LAST_3_DAYS)) {
            out.add(r.get(0) + " " + r.get(1) + "/" + r.get(2) + "/" + r.get(3));
        }
        return out;
    }
}
