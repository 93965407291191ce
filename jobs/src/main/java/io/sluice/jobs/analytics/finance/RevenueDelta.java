package io.sluice.jobs.analytics.finance;

import io.sluice.jobs.analytics.model.RevenueDailyRow;
import java.util.Objects;

/**
 * A change of one analytics.revenue_daily row (a UTC day and currency): what to add to its orders,
 * gross and refunds (negative to take back), and to its refund count, which is not a column but
 * decides, with the orders, whether the row exists. Money in units of 1/10,000.
 *
 * <p>A POJO (public fields, no-arg constructor): sent between keyed operators.
 */
public class RevenueDelta {
    public long day;
    public String currency;
    public long orders;
    public long gross;
    public long refunds;
    public long refundCount;

    /**
     * The LSN of the change that caused it (the highest, once pre-aggregated): the row it moves is
     * written at a version no lower.
     */
    public long lsn;

    public RevenueDelta() {}

    public RevenueDelta(
            long day,
            String currency,
            long orders,
            long gross,
            long refunds,
            long refundCount,
            long lsn) {
        this.day = day;
        this.currency = currency;
        this.orders = orders;
        this.gross = gross;
        this.refunds = refunds;
        this.refundCount = refundCount;
        this.lsn = lsn;
    }

    /** The key of the row it changes ({@link RevenueDailyRow#key}). */
    public String key() {
        return RevenueDailyRow.key(day, currency);
    }

    /** Adds {@code other}'s numbers to this one's, keeping the higher LSN. */
    void add(RevenueDelta other) {
        orders = Math.addExact(orders, other.orders);
        gross = Math.addExact(gross, other.gross);
        refunds = Math.addExact(refunds, other.refunds);
        refundCount = Math.addExact(refundCount, other.refundCount);
        lsn = Math.max(lsn, other.lsn);
    }

    /** Whether it changes nothing. */
    boolean isZero() {
        return orders == 0 && gross == 0 && refunds == 0 && refundCount == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RevenueDelta d
                && d.day == day
                && d.orders == orders
                && d.gross == gross
                && d.refunds == refunds
                && d.refundCount == refundCount
                && d.lsn == lsn
                && Objects.equals(d.currency, currency);
    }

    @Override
    public int hashCode() {
        return Objects.hash(day, currency, orders, gross, refunds, refundCount, lsn);
    }

    @Override
    public String toString() {
        return "revenue of day "
                + day
                + " "
                + currency
                + ": orders "
                + orders
                + ", gross "
                + gross
                + ", refunds "
                + refunds
                + " ("
                + refundCount
                + ") @"
                + lsn;
    }
}
