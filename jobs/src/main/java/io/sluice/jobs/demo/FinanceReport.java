package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.definitions.FinanceQueries;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The demo's revenue and MRR: {@code analytics.revenue_daily} and {@code analytics.mrr_daily} next
 * to the same figures by SQL over the orders, refunds and subscriptions ({@link FinanceQueries}),
 * for the last days, after waiting for every day to match.
 */
final class FinanceReport {
    private static final int DAYS_SHOWN = 3;

    private FinanceReport() {}

    /** Prints the comparison; false when a day still differs after {@code waitMillis}. */
    static boolean print(
            Connection pg, ClickHouseConnection ch, SluiceConfig config, long waitMillis)
            throws Exception {
        if (!FinanceOptions.revenueEnabled(config) || !FinanceOptions.mrrEnabled(config)) {
            System.out.println("Revenue and MRR: orders, refunds or subscriptions not captured.");
            return true;
        }
        long deadline = System.currentTimeMillis() + waitMillis;
        // MRR is settled per UTC day once the job's event clock passed it: up to the day of 6
        // minutes before the newest usable event (the out-of-orderness is 5).
        LocalDate last = lastSettledDay(pg);
        TreeMap<String, String> revenue = postgres(pg, FinanceQueries.REVENUE_DAILY, 6, 3);
        TreeMap<String, String> revenueCh =
                clickHouse(ch, FinanceQueries.REVENUE_DAILY_CLICKHOUSE, 3);
        TreeMap<String, String> mrr = postgres(pg, FinanceQueries.mrrDaily(last), 7, 1);
        TreeMap<String, String> mrrCh = clickHouse(ch, FinanceQueries.mrrDailyClickHouse(last), 1);
        while ((!revenue.equals(revenueCh) || !mrr.equals(mrrCh))
                && System.currentTimeMillis() < deadline) {
            Thread.sleep(1000); // waiting for the next checkpoint's commit, with a deadline
            revenueCh = clickHouse(ch, FinanceQueries.REVENUE_DAILY_CLICKHOUSE, 3);
            mrrCh = clickHouse(ch, FinanceQueries.mrrDailyClickHouse(last), 1);
        }
        System.out.println("Revenue (analytics.revenue_daily; SQL over orders and refunds):");
        System.out.println("  day         currency  orders  gross  refunds  net");
        show(revenue, revenueCh);
        System.out.println("MRR up to " + last + " (analytics.mrr_daily; SQL over subscriptions):");
        System.out.println("  day         mrr  new  expansion  contraction  churned  active");
        show(mrr, mrrCh);
        boolean match = revenue.equals(revenueCh) && mrr.equals(mrrCh);
        System.out.printf(
                "Revenue and MRR %s SQL over Postgres (%d revenue rows, %d MRR days).%n",
                match ? "match" : "do not match", revenue.size(), mrr.size());
        return match;
    }

    private static void show(TreeMap<String, String> expected, TreeMap<String, String> actual) {
        List<String> keys = new ArrayList<>(expected.keySet());
        for (String key : keys.subList(Math.max(0, keys.size() - DAYS_SHOWN), keys.size())) {
            String got = actual.get(key);
            System.out.printf(
                    "  %s  %s  %s%n",
                    key.replace('|', ' '),
                    expected.get(key).replace('|', ' '),
                    expected.get(key).equals(got) ? "ok" : "clickhouse: " + got);
        }
        for (String key : actual.keySet()) {
            if (!expected.containsKey(key)) {
                System.out.printf("  %s  only in clickhouse: %s%n", key, actual.get(key));
            }
        }
    }

    private static LocalDate lastSettledDay(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT coalesce(extract(epoch FROM max(occurred_at))::bigint, 0)"
                                        + " FROM events WHERE "
                                        + AnalyticsReport.VALID)) {
            rs.next();
            return LocalDate.ofEpochDay(Math.floorDiv(rs.getLong(1) - 360, 86_400));
        }
    }

    /** Rows keyed by their first {@code keyColumns} columns; amounts normalised as numbers. */
    private static TreeMap<String, String> postgres(
            Connection pg, String sql, int columns, int keyColumns) throws SQLException {
        TreeMap<String, String> out = new TreeMap<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                List<String> f = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    f.add(rs.getString(i));
                }
                put(out, f, keyColumns);
            }
        }
        return out;
    }

    private static TreeMap<String, String> clickHouse(
            ClickHouseConnection ch, String sql, int keyColumns) {
        TreeMap<String, String> out = new TreeMap<>();
        for (List<String> r : ch.query(sql)) {
            List<String> f = new ArrayList<>();
            for (String v : r) {
                f.add(TsvCodec.unescape(v));
            }
            put(out, f, keyColumns);
        }
        return out;
    }

    private static void put(TreeMap<String, String> out, List<String> f, int keyColumns) {
        List<String> values = new ArrayList<>();
        for (int i = keyColumns; i < f.size(); i++) {
            values.add(FinanceQueries.number(f.get(i)));
        }
        out.put(String.join("|", f.subList(0, keyColumns)), String.join("|", values));
    }
}
