package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * What {@link RefundFunction} tells the order a refund belongs to: the refund as it is now ({@link
 * #present}: its day and amount), or that it no longer belongs to the order (deleted, moved to
 * another order, or unusable). {@link OrderRevenueFunction} keeps the newest per refund id.
 *
 * <p>A POJO (public fields, no-arg constructor): sent between keyed operators.
 */
public class RefundChange {
    public String orderId;
    public String refundId;
    public boolean present;

    /** The UTC day of the refund, as days since the epoch; 0 when not present. */
    public long day;

    /** The amount in units of 1/10,000; 0 when not present. */
    public long amount;

    /** The LSN of the refunds-table change. */
    public long lsn;

    public RefundChange() {}

    public RefundChange(
            String orderId, String refundId, boolean present, long day, long amount, long lsn) {
        this.orderId = orderId;
        this.refundId = refundId;
        this.present = present;
        this.day = day;
        this.amount = amount;
        this.lsn = lsn;
    }

    static RefundChange present(String refundId, RefundState r, long lsn) {
        return new RefundChange(r.orderId, refundId, true, r.day, r.amount, lsn);
    }

    static RefundChange gone(String refundId, RefundState r, long lsn) {
        return new RefundChange(r.orderId, refundId, false, 0, 0, lsn);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefundChange c
                && c.present == present
                && c.day == day
                && c.amount == amount
                && c.lsn == lsn
                && Objects.equals(c.orderId, orderId)
                && Objects.equals(c.refundId, refundId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(orderId, refundId, present, day, amount, lsn);
    }

    @Override
    public String toString() {
        return "refund "
                + refundId
                + " of order "
                + orderId
                + (present ? " on day " + day + " " + amount : " gone")
                + " @"
                + lsn;
    }
}
