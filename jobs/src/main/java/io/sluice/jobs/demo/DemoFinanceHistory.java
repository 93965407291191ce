package io.sluice.jobs.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Random;

/**
 * Backdated orders, refunds and subscriptions for the demo, so that {@code revenue_daily} and
 * {@code mrr_daily} have weeks to show: a few orders a day in USD and EUR (some still pending or
 * failed, which revenue leaves out), refunds of some of them days later, and subscriptions started
 * over the period, some upgraded (a second subscription of the same customer: expansion) and some
 * canceled (churn). Written in one transaction before the analytics job starts, like {@link
 * DemoHistory}.
 */
final class DemoFinanceHistory {
    private static final String[] STATUSES = {
        "paid", "paid", "paid", "shipped", "pending", "failed"
    };

    private DemoFinanceHistory() {}

    /** Counts of what {@link #write} wrote. */
    record Written(long orders, long refunds, long subscriptions) {}

    /**
     * Writes over the {@code days} UTC days before today, for customers among {@code users},
     * numbering after the ids given.
     */
    static Written write(
            Connection pg,
            Random random,
            long users,
            int days,
            Instant now,
            long lastOrder,
            long lastRefund,
            long lastSubscription)
            throws SQLException {
        LocalDate today = now.atZone(ZoneOffset.UTC).toLocalDate();
        return DemoHistory.inOneTransaction(
                pg,
                () ->
                        writeRows(
                                pg,
                                random,
                                users,
                                days,
                                today,
                                lastOrder,
                                lastRefund,
                                lastSubscription));
    }

    private static Written writeRows(
            Connection pg,
            Random random,
            long users,
            int days,
            LocalDate today,
            long lastOrder,
            long lastRefund,
            long lastSubscription)
            throws SQLException {
        long orders = lastOrder;
        long refunds = lastRefund;
        long subscriptions = lastSubscription;
        try (PreparedStatement order =
                        pg.prepareStatement(
                                "INSERT INTO orders (order_id, user_id, created_at, status, amount,"
                                        + " currency, items) VALUES (?, ?, ?, ?, ?, ?,"
                                        + " ARRAY['sku-' || ?])");
                PreparedStatement refund =
                        pg.prepareStatement(
                                "INSERT INTO refunds (refund_id, order_id, amount, reason,"
                                        + " refunded_at) VALUES (?, ?, ?, 'customer request', ?)");
                PreparedStatement subscription =
                        pg.prepareStatement(
                                "INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?, ?)")) {
            for (int d = days; d >= 1; d--) {
                LocalDate day = today.minusDays(d);
                for (int i = 2 + random.nextInt(5); i > 0; i--) {
                    orders++;
                    java.math.BigDecimal amount =
                            java.math.BigDecimal.valueOf(500 + random.nextInt(40_000), 2);
                    order.setLong(1, orders);
                    order.setLong(2, 1 + random.nextInt((int) users));
                    order.setObject(3, at(random, day));
                    order.setString(4, STATUSES[random.nextInt(STATUSES.length)]);
                    order.setBigDecimal(5, amount);
                    order.setString(6, random.nextInt(5) == 0 ? "EUR" : "USD");
                    order.setString(7, Integer.toString(random.nextInt(99)));
                    order.addBatch();
                    if (random.nextInt(8) == 0 && d > 1) {
                        refunds++;
                        refund.setLong(1, refunds);
                        refund.setLong(2, orders);
                        refund.setBigDecimal(3, amount.divide(java.math.BigDecimal.valueOf(2)));
                        refund.setObject(4, at(random, day.plusDays(1 + random.nextInt(d - 1))));
                        refund.addBatch();
                    }
                }
                if (random.nextInt(2) == 0) {
                    subscriptions++;
                    long customer = 1 + random.nextInt((int) users);
                    int plan = random.nextInt(3);
                    subscription.setLong(1, subscriptions);
                    subscription.setLong(2, customer);
                    subscription.setString(3, new String[] {"pro", "team", "enterprise"}[plan]);
                    subscription.setBigDecimal(
                            4, java.math.BigDecimal.valueOf(new int[] {29, 99, 499}[plan]));
                    subscription.setObject(5, day);
                    // A quarter churn some days later; the rest are still active.
                    subscription.setObject(
                            6,
                            random.nextInt(4) == 0 && d > 1
                                    ? day.plusDays(1 + random.nextInt(d))
                                    : null);
                    subscription.addBatch();
                    if (random.nextInt(5) == 0 && d > 2) {
                        // An add-on of the same customer a few days later: expansion.
                        subscriptions++;
                        subscription.setLong(1, subscriptions);
                        subscription.setLong(2, customer);
                        subscription.setString(3, "addon");
                        subscription.setBigDecimal(4, java.math.BigDecimal.valueOf(10));
                        subscription.setObject(5, day.plusDays(1 + random.nextInt(d - 1)));
                        subscription.setObject(6, null);
                        subscription.addBatch();
                    }
                }
            }
            order.executeBatch();
            refund.executeBatch();
            subscription.executeBatch();
        }
        return new Written(
                orders - lastOrder, refunds - lastRefund, subscriptions - lastSubscription);
    }

    /** A time on {@code day} between 06:00 and 22:00 UTC. */
    private static OffsetDateTime at(Random random, LocalDate day) {
        return day.atStartOfDay()
                .plusSeconds(6 * 3600 + random.nextInt(16 * 3600))
                .atOffset(ZoneOffset.UTC);
    }
}
