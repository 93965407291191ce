package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * One refund as read from its current row: kept by {@link RefundFunction}, keyed by refund id, so
 * that a change or delete (which carries only the refund id) can be sent to the order it belonged
 * to.
 *
 * <p>A POJO (public fields, no-arg constructor): kept in keyed state with Flink's POJO serializer.
 */
public class RefundState {
    /** The refunded order's id, as text. */
    public String orderId;

    /** The UTC day of the refunded-at column, as days since the epoch. */
    public long day;

    /** The amount in units of 1/10,000. */
    public long amount;

    public RefundState() {}

    public RefundState(String orderId, long day, long amount) {
        this.orderId = orderId;
        this.day = day;
        this.amount = amount;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RefundState s
                && s.day == day
                && s.amount == amount
                && Objects.equals(s.orderId, orderId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(orderId, day, amount);
    }

    @Override
    public String toString() {
        return "refund of order " + orderId + " on day " + day + " " + amount;
    }
}
