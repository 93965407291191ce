package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * What {@link SubscriptionFunction} tells the customer a subscription belongs to: the subscription
 * as it is now ({@link #present}), or that it no longer belongs to the customer (deleted, moved to
 * another customer, or unusable). {@link CustomerMrrFunction} keeps the newest per subscription.
 *
 * <p>A POJO (public fields, no-arg constructor): sent between keyed operators.
 */
public class SubscriptionChange {
    public String customerId;
    public String subscriptionId;
    public boolean present;

    /** The first active day, as days since the epoch; 0 when not present. */
    public long startDay;

    /**
     * The first day no longer active ({@link Long#MAX_VALUE}: not canceled); 0 when not present.
     */
    public long endDay;

    /** MRR in units of 1/10,000; 0 when not present. */
    public long mrr;

    /** The LSN of the subscriptions-table change. */
    public long lsn;

    public SubscriptionChange() {}

    public SubscriptionChange(
            String customerId,
            String subscriptionId,
            boolean present,
            long startDay,
            long endDay,
            long mrr,
            long lsn) {
        this.customerId = customerId;
        this.subscriptionId = subscriptionId;
        this.present = present;
        this.startDay = startDay;
        this.endDay = endDay;
        this.mrr = mrr;
        this.lsn = lsn;
    }

    static SubscriptionChange present(String id, SubscriptionState s, long lsn) {
        return new SubscriptionChange(s.customerId, id, true, s.startDay, s.endDay, s.mrr, lsn);
    }

    static SubscriptionChange gone(String id, SubscriptionState s, long lsn) {
        return new SubscriptionChange(s.customerId, id, false, 0, 0, 0, lsn);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubscriptionChange c
                && c.present == present
                && c.startDay == startDay
                && c.endDay == endDay
                && c.mrr == mrr
                && c.lsn == lsn
                && Objects.equals(c.customerId, customerId)
                && Objects.equals(c.subscriptionId, subscriptionId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customerId, subscriptionId, present, startDay, endDay, mrr, lsn);
    }

    @Override
    public String toString() {
        return "subscription "
                + subscriptionId
                + " of "
                + customerId
                + (present ? " from day " + startDay + " to " + endDay + " " + mrr : " gone")
                + " @"
                + lsn;
    }
}
