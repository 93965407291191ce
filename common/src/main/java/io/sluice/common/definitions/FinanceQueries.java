package io.sluice.common.definitions;

import java.time.LocalDate;

/**
 * docs/finance.md's definitions of {@code analytics.revenue_daily} and {@code analytics.mrr_daily}
 * as SQL over the Postgres source tables (the sample schema's column names): the oracle the tests
 * compare the job's tables with, and what {@code ./sluice demo} prints next to them.
 */
public final class FinanceQueries {
    private FinanceQueries() {}

    /**
     * Day, currency, orders, gross, refunds, net: orders by the UTC day they were placed (statuses
     * pending, canceled, cancelled and failed excluded), refunds by the UTC day they were made, in
     * the currency of their order.
     */
    public static final String REVENUE_DAILY =
            "WITH o AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, currency,"
                    + " count(*) AS orders, sum(amount) AS gross FROM orders"
                    + " WHERE status NOT IN ('pending','canceled','cancelled','failed')"
                    + " GROUP BY 1, 2),"
                    + " r AS (SELECT (r.refunded_at AT TIME ZONE 'UTC')::date AS day, o.currency,"
                    + " sum(r.amount) AS refunds FROM refunds r JOIN orders o USING (order_id)"
                    + " GROUP BY 1, 2)"
                    + " SELECT coalesce(o.day, r.day), coalesce(o.currency, r.currency),"
                    + " coalesce(orders, 0), coalesce(gross, 0), coalesce(refunds, 0),"
                    + " coalesce(gross, 0) - coalesce(refunds, 0)"
                    + " FROM o FULL JOIN r ON o.day = r.day AND o.currency = r.currency";

    /** The same columns from ClickHouse, as text. */
    public static final String REVENUE_DAILY_CLICKHOUSE =
            "SELECT toString(day), currency, toString(orders), toString(gross),"
                    + " toString(refunds), toString(net) FROM revenue_daily FINAL"
                    + " WHERE _is_deleted = 0";

    /**
     * Day, MRR, new, expansion, contraction, churned, active subscriptions, for every day from the
     * first start to {@code last}: each customer's MRR on the day against the day before.
     */
    public static String mrrDaily(LocalDate last) {
        String active = "s.started_at <= d AND (s.canceled_at IS NULL OR d < s.canceled_at)";
        return "WITH days AS (SELECT generate_series((SELECT min(started_at) FROM subscriptions),"
                + " DATE '"
                + last
                + "', interval '1 day')::date AS d),"
                + " cm AS (SELECT d, s.user_id, sum(CASE WHEN "
                + active
                + " THEN s.mrr ELSE 0 END) AS mrr, count(*) FILTER (WHERE "
                + active
                + ") AS active FROM days CROSS JOIN subscriptions s GROUP BY d, s.user_id),"
                + " mv AS (SELECT d, mrr, active, lag(mrr, 1, 0::numeric) OVER (PARTITION BY"
                + " user_id ORDER BY d) AS prev FROM cm)"
                + " SELECT d, sum(mrr),"
                + " sum(CASE WHEN prev = 0 AND mrr > 0 THEN mrr ELSE 0 END),"
                + " sum(CASE WHEN prev > 0 AND mrr > prev THEN mrr - prev ELSE 0 END),"
                + " sum(CASE WHEN prev > 0 AND mrr > 0 AND mrr < prev THEN prev - mrr ELSE 0 END),"
                + " sum(CASE WHEN prev > 0 AND mrr = 0 THEN prev ELSE 0 END),"
                + " sum(active) FROM mv GROUP BY d";
    }

    /** The same columns from ClickHouse up to {@code last}, as text. */
    public static String mrrDailyClickHouse(LocalDate last) {
        return "SELECT toString(day), toString(mrr), toString(new_mrr),"
                + " toString(expansion_mrr), toString(contraction_mrr),"
                + " toString(churned_mrr), toString(active_subscriptions)"
                + " FROM mrr_daily FINAL WHERE _is_deleted = 0 AND day <= toDate('"
                + last
                + "')";
    }

    /**
     * A decimal as its value: no trailing zeros, {@code 0} for zero (18.16 prints a Decimal's
     * trailing zeros, newer servers and Postgres' sums do not).
     */
    public static String number(String decimal) {
        java.math.BigDecimal v = new java.math.BigDecimal(decimal.trim());
        return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
    }
}
