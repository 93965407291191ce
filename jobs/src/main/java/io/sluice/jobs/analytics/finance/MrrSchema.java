package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.io.Serializable;

/**
 * Where the subscriptions of analytics.mrr_daily are ({@link FinanceOptions}), and how a change of
 * one is read: a {@link SubscriptionState}, or the reason it cannot be used (for a dead letter).
 * Ids are the value's text, as {@link RevenueSchema} reads them.
 */
public final class MrrSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    final TableId subscriptions;
    final String subscriptionId;
    final String customerId;
    final String mrr;
    final String startedAt;
    final String canceledAt;

    MrrSchema(
            TableId subscriptions,
            String subscriptionId,
            String customerId,
            String mrr,
            String startedAt,
            String canceledAt) {
        this.subscriptions = subscriptions;
        this.subscriptionId = subscriptionId;
        this.customerId = customerId;
        this.mrr = mrr;
        this.startedAt = startedAt;
        this.canceledAt = canceledAt;
    }

    public static MrrSchema fromConfig(SluiceConfig config) {
        return new MrrSchema(
                TableId.parse(config.get(FinanceOptions.SUBSCRIPTIONS_TABLE)),
                config.get(FinanceOptions.SUBSCRIPTIONS_SUBSCRIPTION_ID),
                config.get(FinanceOptions.SUBSCRIPTIONS_CUSTOMER_ID),
                config.get(FinanceOptions.SUBSCRIPTIONS_MRR),
                config.get(FinanceOptions.SUBSCRIPTIONS_STARTED_AT),
                config.get(FinanceOptions.SUBSCRIPTIONS_CANCELED_AT));
    }

    public TableId table() {
        return subscriptions;
    }

    public boolean isSubscription(ChangeRecord change) {
        return change.table().equals(subscriptions);
    }

    /** The subscription id of a change, as text; empty when NULL. */
    public String subscriptionKey(ChangeRecord change) {
        Object v = change.values().get(subscriptionId);
        return v == null ? "" : v.toString();
    }

    /**
     * The subscription an insert, update or snapshot row leaves, given it as it was before ({@code
     * null} when unknown). Unusable: a NULL or empty customer id, a started-at that is NULL or not
     * a day, a canceled-at that is not a day, an MRR that is NULL, not a number, with more than 4
     * decimal places or beyond {@code Decimal(18, 4)}. A NULL canceled-at: not canceled.
     */
    RevenueSchema.Read<SubscriptionState> subscription(
            ChangeRecord change, SubscriptionState before) {
        boolean kept = before != null;
        for (String c : new String[] {customerId, mrr, startedAt, canceledAt}) {
            if (!kept && change.unchangedColumns().contains(c)) {
                return RevenueSchema.Read.unusable(
                        c + " is an unchanged TOAST value and the row before it is not known");
            }
        }
        String customer;
        if (kept && change.unchangedColumns().contains(customerId)) {
            customer = before.customerId;
        } else {
            Object v = change.values().get(customerId);
            customer = v == null ? "" : v.toString();
            if (customer.isEmpty()) {
                return RevenueSchema.Read.unusable(customerId + " is NULL or empty");
            }
        }
        long start;
        if (kept && change.unchangedColumns().contains(startedAt)) {
            start = before.startDay;
        } else {
            Object v = change.values().get(startedAt);
            Long day = RevenueSchema.epochDay(v);
            if (day == null) {
                return RevenueSchema.Read.unusable(
                        startedAt + (v == null ? " is NULL" : " '" + v + "' is not a day"));
            }
            start = day;
        }
        long end;
        if (kept && change.unchangedColumns().contains(canceledAt)) {
            end = before.endDay;
        } else {
            Object v = change.values().get(canceledAt);
            Long day = v == null ? Long.valueOf(Long.MAX_VALUE) : RevenueSchema.epochDay(v);
            if (day == null) {
                return RevenueSchema.Read.unusable(canceledAt + " '" + v + "' is not a day");
            }
            end = day;
        }
        long units;
        if (kept && change.unchangedColumns().contains(mrr)) {
            units = before.mrr;
        } else {
            try {
                units = Money.units(mrr, change.values().get(mrr));
            } catch (IllegalArgumentException e) {
                return RevenueSchema.Read.unusable(e.getMessage());
            }
        }
        return RevenueSchema.Read.of(new SubscriptionState(customer, start, end, units));
    }
}
