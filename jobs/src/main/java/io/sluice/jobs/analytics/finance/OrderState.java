package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * What one order adds to analytics.revenue_daily, as read from its current row: kept by {@link
 * OrderRevenueFunction} so that the next change of the order takes exactly this back.
 *
 * <p>A POJO (public fields, no-arg constructor): kept in keyed state with Flink's POJO serializer.
 */
public class OrderState {
    /** The UTC day of the order's created-at column, as days since the epoch. */
    public long day;

    public String currency;

    /** The status as read (null for NULL): kept for an update that does not resend it. */
    public String status;

    /** The amount in units of 1/10,000. */
    public long amount;

    /** Whether the order is counted (its status is not excluded): it then adds 1 and its amount. */
    public boolean counted;

    public OrderState() {}

    public OrderState(long day, String currency, String status, long amount, boolean counted) {
        this.day = day;
        this.currency = currency;
        this.status = status;
        this.amount = amount;
        this.counted = counted;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OrderState s
                && s.day == day
                && s.amount == amount
                && s.counted == counted
                && Objects.equals(s.currency, currency)
                && Objects.equals(s.status, status);
    }

    @Override
    public int hashCode() {
        return Objects.hash(day, currency, status, amount, counted);
    }

    @Override
    public String toString() {
        return "order on day "
                + day
                + " "
                + amount
                + " "
                + currency
                + " "
                + status
                + (counted ? " counted" : "");
    }
}
