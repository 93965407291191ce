package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * One subscription as read from its current row: kept by {@link SubscriptionFunction}, keyed by
 * subscription id, so that a change or delete (which carries only the id) reaches the customer it
 * belonged to.
 *
 * <p>A POJO (public fields, no-arg constructor): kept in keyed state with Flink's POJO serializer.
 */
public class SubscriptionState {
    /** The customer's id, as text. */
    public String customerId;

    /** The first day it is active, as days since the epoch. */
    public long startDay;

    /** The first day it is no longer active; {@link Long#MAX_VALUE} while not canceled. */
    public long endDay;

    /** Its MRR in units of 1/10,000. */
    public long mrr;

    public SubscriptionState() {}

    public SubscriptionState(String customerId, long startDay, long endDay, long mrr) {
        this.customerId = customerId;
        this.startDay = startDay;
        this.endDay = endDay;
        this.mrr = mrr;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubscriptionState s
                && s.startDay == startDay
                && s.endDay == endDay
                && s.mrr == mrr
                && Objects.equals(s.customerId, customerId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(customerId, startDay, endDay, mrr);
    }

    @Override
    public String toString() {
        return "subscription of "
                + customerId
                + " from day "
                + startDay
                + (endDay == Long.MAX_VALUE ? "" : " to " + endDay)
                + " "
                + mrr;
    }
}
