package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The product-analytics part of {@link AnalyticsReport}: each configured funnel by step, the
 * retention triangle of the last cohorts, and DAU/WAU/MAU at the end of each of the last weeks,
 * from the analytics job's tables next to the same numbers by SQL over Postgres ({@link
 * ProductReportQueries}), with a marker per line. A line matches when every row behind it does
 * (every day of a funnel step, the 13 weeks of a cohort); the report matches when all of
 * funnel_daily (rows with users), retention_weekly (cohorts with users) and the reported days of
 * active_users_daily do. It waits for that until a deadline, since the job commits its rows with
 * its checkpoints.
 */
final class ProductReport {
    private static final int COHORTS = 8;
    private static final int WEEKS = 8;
    private static final int ACTIVE_WEEKS = 6;

    /** Every compared number, keyed by its table's key columns joined with '|'. */
    private record Numbers(
            Map<String, List<Long>> funnels,
            Map<String, List<Long>> retention,
            Map<String, List<Long>> activeUsers) {}

    private final Connection pg;
    private final ClickHouseConnection ch;
    private final String eventsTable;
    private final List<FunnelDefinition> funnels = new ArrayList<>();
    private final String returnEvent;
    private final LocalDate today = LocalDate.now(ZoneOffset.UTC);
    private final LocalDate monday = today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
    private final List<LocalDate> activeDays = new ArrayList<>();

    private ProductReport(Connection pg, ClickHouseConnection ch, SluiceConfig config) {
        this.pg = pg;
        this.ch = ch;
        this.eventsTable = config.get(AnalyticsOptions.EVENTS_TABLE);
        for (String f : config.get(ProductAnalyticsOptions.FUNNELS)) {
            funnels.add(FunnelDefinition.parse(f));
        }
        String event = config.get(ProductAnalyticsOptions.RETENTION_RETURN_EVENT);
        this.returnEvent = event == null || event.isBlank() ? null : event.strip();
        for (int w = ACTIVE_WEEKS - 1; w >= 0; w--) { // each week's Sunday, today for this week
            activeDays.add(w == 0 ? today : monday.minusWeeks(w).plusDays(6));
        }
    }

    /** Prints the report after waiting up to {@code waitMillis} for a match; true if it matches. */
    static boolean print(
            Connection pg, ClickHouseConnection ch, SluiceConfig config, long waitMillis)
            throws Exception {
        ProductReport r = new ProductReport(pg, ch, config);
        long deadline = System.currentTimeMillis() + waitMillis;
        Numbers source = r.postgres();
        Numbers derived = r.clickHouse();
        while (!source.equals(derived) && System.currentTimeMillis() < deadline) {
            Thread.sleep(1000); // waiting for the next checkpoint's commit, with a deadline
            source = r.postgres();
            derived = r.clickHouse();
        }
        r.printFunnels(source, derived);
        r.printRetention(source, derived);
        r.printActiveUsers(source, derived);
        boolean match = source.equals(derived);
        System.out.println(
                match
                        ? "Funnels, retention and DAU/WAU/MAU over weeks match SQL over Postgres."
                        : "Funnels, retention or DAU/WAU/MAU over weeks do not match SQL over"
                                + " Postgres yet.");
        return match;
    }

    private Numbers postgres() throws Exception {
        try (Statement st = pg.createStatement()) {
            for (String sql : ProductReportQueries.snapshot(eventsTable)) {
                st.execute(sql);
            }
        }
        Map<String, List<Long>> f = new TreeMap<>();
        for (FunnelDefinition d : funnels) {
            put(f, d.name() + "|", query(ProductReportQueries.funnel(d)), 2);
        }
        Map<String, List<Long>> r = new TreeMap<>();
        put(r, "", query(ProductReportQueries.retention(returnEvent)), 2);
        Map<String, List<Long>> a = new TreeMap<>();
        put(a, "", query(ProductReportQueries.activeUsers(activeDays)), 1);
        return new Numbers(f, r, a);
    }

    private Numbers clickHouse() {
        List<String> names = funnels.stream().map(FunnelDefinition::name).toList();
        Map<String, List<Long>> f = new TreeMap<>();
        put(f, "", rows(ReportQueries.FUNNEL_DAILY), 3);
        f.keySet().removeIf(k -> !names.contains(k.substring(0, k.indexOf('|'))));
        Map<String, List<Long>> r = new TreeMap<>();
        put(r, "", rows(ReportQueries.RETENTION_WEEKLY), 2);
        Map<String, List<Long>> all = new TreeMap<>();
        put(all, "", rows(ReportQueries.ACTIVE_USERS_DAILY), 1);
        Map<String, List<Long>> a = new TreeMap<>();
        for (LocalDate d : activeDays) { // a day without a row has no active users
            a.put(d.toString(), all.getOrDefault(d.toString(), List.of(0L, 0L, 0L)));
        }
        return new Numbers(f, r, a);
    }

    private void printFunnels(Numbers source, Numbers derived) {
        if (funnels.isEmpty()) {
            System.out.println("  funnels: none configured (analytics.funnels)");
        }
        String lastWeek = today.minusDays(6).toString();
        for (FunnelDefinition f : funnels) {
            TreeSet<String> days = new TreeSet<>(steps(derived, f, 1).keySet());
            days.addAll(steps(source, f, 1).keySet());
            String last = days.isEmpty() ? "-" : days.last();
            System.out.println("  funnel " + f + "  (analytics.funnel_daily / SQL over Postgres)");
            System.out.printf(
                    "    %-34s %-17s %-17s %s%n",
                    "step", "users, all days", "last 7 days", "median s on " + last);
            for (int s = 1; s <= f.steps().size(); s++) {
                Map<String, List<Long>> c = steps(derived, f, s);
                Map<String, List<Long>> p = steps(source, f, s);
                System.out.printf(
                        "    %-34s %-17s %-17s %-21s %s%n",
                        s + " " + f.steps().get(s - 1),
                        sum(c, "") + " / " + sum(p, ""),
                        sum(c, lastWeek) + " / " + sum(p, lastWeek),
                        seconds(c.get(last)) + " / " + seconds(p.get(last)),
                        c.equals(p) ? "ok" : "MISMATCH");
            }
        }
    }

    private void printRetention(Numbers source, Numbers derived) {
        TreeSet<String> cohorts = new TreeSet<>();
        for (Map<String, List<Long>> side : List.of(derived.retention(), source.retention())) {
            side.keySet().forEach(k -> cohorts.add(k.substring(0, k.indexOf('|'))));
        }
        System.out.println(
                "  retention_weekly: % of each cohort (users by the ISO week of their first event)"
                        + " active in week n; a cohort that differs has SQL over Postgres below");
        StringBuilder header = new StringBuilder(String.format("    %-12s %6s", "cohort", "users"));
        for (int n = 0; n < WEEKS; n++) {
            header.append(String.format(" %5s", "w" + n));
        }
        System.out.println(header);
        List<String> all = new ArrayList<>(cohorts);
        int older = Math.max(0, all.size() - COHORTS);
        int olderDiffering = 0;
        for (int i = 0; i < all.size(); i++) {
            String cohort = all.get(i);
            boolean ok = weeks(derived, cohort).equals(weeks(source, cohort));
            if (i < older) {
                olderDiffering += ok ? 0 : 1;
                continue;
            }
            System.out.println(triangleRow(cohort, cohort, derived) + (ok ? "  ok" : "  MISMATCH"));
            if (!ok) {
                System.out.println(triangleRow("  postgres", cohort, source));
            }
        }
        if (older > 0) {
            System.out.printf(
                    "    %d older cohorts: %s%n",
                    older, olderDiffering == 0 ? "ok" : olderDiffering + " MISMATCH");
        }
    }

    private void printActiveUsers(Numbers source, Numbers derived) {
        System.out.println("  dau/wau/mau at the end of each week, today for this one");
        System.out.printf(
                "    %-34s %-30s %s%n",
                "day", "(analytics.active_users_daily)", "(SQL over Postgres)");
        for (LocalDate d : activeDays) {
            List<Long> c = derived.activeUsers().get(d.toString());
            List<Long> p = source.activeUsers().get(d.toString());
            System.out.printf(
                    "    %-34s %-30s %-19s %s%n",
                    d
                            + " (week of "
                            + d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY))
                            + ")",
                    triple(c),
                    triple(p),
                    c != null && c.equals(p) ? "ok" : "MISMATCH");
        }
    }

    /** One row of the triangle: cohort size and % retained per week, blank after this week. */
    private String triangleRow(String label, String cohort, Numbers numbers) {
        Map<Integer, List<Long>> weeks = weeks(numbers, cohort);
        List<Long> first = weeks.get(0);
        StringBuilder row =
                new StringBuilder(
                        String.format("    %-12s %6s", label, first == null ? "-" : first.get(0)));
        for (int n = 0; n < WEEKS; n++) {
            List<Long> w = weeks.get(n);
            String cell;
            if (LocalDate.parse(cohort).plusWeeks(n).isAfter(monday)) {
                cell = "";
            } else if (w == null || w.get(0) == 0) {
                cell = "-";
            } else {
                cell = Math.round(100.0 * w.get(1) / w.get(0)) + "%";
            }
            row.append(String.format(" %5s", cell));
        }
        return row.toString();
    }

    /** week_n to (cohort_users, retained_users) of one cohort. */
    private static Map<Integer, List<Long>> weeks(Numbers numbers, String cohort) {
        Map<Integer, List<Long>> weeks = new TreeMap<>();
        for (Map.Entry<String, List<Long>> e : numbers.retention().entrySet()) {
            String[] key = e.getKey().split("\\|"); // cohort_week, week_n
            if (key[0].equals(cohort)) {
                weeks.put(Integer.parseInt(key[1]), e.getValue());
            }
        }
        return weeks;
    }

    /** Day to (users, median µs) of one step of a funnel. */
    private static Map<String, List<Long>> steps(Numbers numbers, FunnelDefinition f, int step) {
        Map<String, List<Long>> days = new TreeMap<>();
        for (Map.Entry<String, List<Long>> e : numbers.funnels().entrySet()) {
            String[] key = e.getKey().split("\\|"); // funnel, day, step
            if (key[0].equals(f.name()) && key[2].equals(Integer.toString(step))) {
                days.put(key[1], e.getValue());
            }
        }
        return days;
    }

    /** Users summed over the days from {@code fromDay} (ISO text; "" for every day). */
    private static long sum(Map<String, List<Long>> days, String fromDay) {
        return days.entrySet().stream()
                .filter(e -> e.getKey().compareTo(fromDay) >= 0)
                .mapToLong(e -> e.getValue().get(0))
                .sum();
    }

    private static String seconds(List<Long> usersAndMedian) {
        return usersAndMedian == null
                ? "-"
                : String.format("%.1f", usersAndMedian.get(1) / 1_000_000.0);
    }

    private static String triple(List<Long> v) {
        return v == null ? "-" : v.get(0) + "/" + v.get(1) + "/" + v.get(2);
    }

    /** Adds rows: key {@code prefix} + the first {@code keys} columns joined by '|', then longs. */
    private static void put(
            Map<String, List<Long>> into, String prefix, List<List<String>> rows, int keys) {
        for (List<String> row : rows) {
            List<Long> values = new ArrayList<>();
            for (int i = keys; i < row.size(); i++) {
                values.add(Long.parseLong(row.get(i).trim()));
            }
            into.put(prefix + String.join("|", row.subList(0, keys)), values);
        }
    }

    private List<List<String>> rows(String clickHouseSql) {
        List<List<String>> rows = new ArrayList<>();
        for (List<String> r : ch.query(clickHouseSql)) {
            rows.add(r.stream().map(TsvCodec::unescape).toList());
        }
        return rows;
    }

    private List<List<String>> query(String postgresSql) throws Exception {
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(postgresSql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
