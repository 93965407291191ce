package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HashSet;
import java.util.Set;

/**
 * Where the orders and refunds of analytics.revenue_daily are ({@link FinanceOptions}), and how a
 * change of either is read: an {@link OrderState} or a {@link RefundState}, or the reason it cannot
 * be used (for a dead letter).
 *
 * <p>Ids are the value's text (a bigint {@code 42} is {@code "42"}), so a refund's order id meets
 * its order whatever integer type either column has. A column that an update did not resend (an
 * unchanged TOAST value) keeps the value read from the row before.
 */
public final class RevenueSchema implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final long DAY_MS = 86_400_000L;

    final TableId orders;
    final String orderId;
    final String createdAt;
    final String status;
    final String amount;
    final String currency;
    final HashSet<String> excludedStatuses;
    final TableId refunds;
    final String refundId;
    final String refundOrderId;
    final String refundAmount;
    final String refundedAt;

    RevenueSchema(
            TableId orders,
            String orderId,
            String createdAt,
            String status,
            String amount,
            String currency,
            Set<String> excludedStatuses,
            TableId refunds,
            String refundId,
            String refundOrderId,
            String refundAmount,
            String refundedAt) {
        this.orders = orders;
        this.orderId = orderId;
        this.createdAt = createdAt;
        this.status = status;
        this.amount = amount;
        this.currency = currency;
        this.excludedStatuses = new HashSet<>(excludedStatuses);
        this.refunds = refunds;
        this.refundId = refundId;
        this.refundOrderId = refundOrderId;
        this.refundAmount = refundAmount;
        this.refundedAt = refundedAt;
    }

    public static RevenueSchema fromConfig(SluiceConfig config) {
        return new RevenueSchema(
                TableId.parse(config.get(FinanceOptions.ORDERS_TABLE)),
                config.get(FinanceOptions.ORDERS_ORDER_ID),
                config.get(FinanceOptions.ORDERS_CREATED_AT),
                config.get(FinanceOptions.ORDERS_STATUS),
                config.get(FinanceOptions.ORDERS_AMOUNT),
                config.get(FinanceOptions.ORDERS_CURRENCY),
                new HashSet<>(config.get(FinanceOptions.ORDERS_EXCLUDED_STATUSES)),
                TableId.parse(config.get(FinanceOptions.REFUNDS_TABLE)),
                config.get(FinanceOptions.REFUNDS_REFUND_ID),
                config.get(FinanceOptions.REFUNDS_ORDER_ID),
                config.get(FinanceOptions.REFUNDS_AMOUNT),
                config.get(FinanceOptions.REFUNDS_REFUNDED_AT));
    }

    public TableId ordersTable() {
        return orders;
    }

    public TableId refundsTable() {
        return refunds;
    }

    public boolean isOrder(ChangeRecord change) {
        return change.table().equals(orders);
    }

    public boolean isRefund(ChangeRecord change) {
        return change.table().equals(refunds);
    }

    /** The order id of an orders change, as text; empty when NULL. */
    public String orderKey(ChangeRecord change) {
        return id(change.values().get(orderId));
    }

    /** The refund id of a refunds change, as text; empty when NULL. */
    public String refundKey(ChangeRecord change) {
        return id(change.values().get(refundId));
    }

    private static String id(Object value) {
        return value == null ? "" : value.toString();
    }

    /** A change read: the value, or the reason it cannot be used. */
    public record Read<T>(T value, String reason) {
        static <T> Read<T> of(T value) {
            return new Read<>(value, null);
        }

        static <T> Read<T> unusable(String reason) {
            return new Read<>(null, reason);
        }
    }

    /**
     * The order an insert, update or snapshot row of the orders table leaves, given the order as it
     * was before ({@code null} when unknown). Unusable: a created-at that is NULL or not a time, a
     * NULL or empty currency, an amount that is NULL, not a number, with more than 4 decimal places
     * or beyond {@code Decimal(18, 4)}. A NULL status is usable: the order is not counted, as SQL's
     * {@code status NOT IN (...)} is not true for it.
     */
    Read<OrderState> order(ChangeRecord change, OrderState before) {
        String missing = unresent(change, before, createdAt, currency, amount, status);
        if (missing != null) {
            return Read.unusable(missing);
        }
        boolean kept = before != null;
        Long day;
        if (kept && change.unchangedColumns().contains(createdAt)) {
            day = before.day;
        } else {
            Object v = change.values().get(createdAt);
            day = epochDay(v);
            if (day == null) {
                return Read.unusable(
                        createdAt + (v == null ? " is NULL" : " '" + v + "' is not a time"));
            }
        }
        String cur;
        if (kept && change.unchangedColumns().contains(currency)) {
            cur = before.currency;
        } else {
            Object v = change.values().get(currency);
            cur = v == null ? "" : v.toString();
            if (cur.isBlank()) {
                return Read.unusable(currency + " is NULL or empty");
            }
        }
        long units;
        if (kept && change.unchangedColumns().contains(amount)) {
            units = before.amount;
        } else {
            try {
                units = Money.units(amount, change.values().get(amount));
            } catch (IllegalArgumentException e) {
                return Read.unusable(e.getMessage());
            }
        }
        String st;
        if (kept && change.unchangedColumns().contains(status)) {
            st = before.status;
        } else {
            Object v = change.values().get(status);
            st = v == null ? null : v.toString();
        }
        return Read.of(new OrderState(day, cur, st, units, counted(st)));
    }

    /** Whether an order with this status is counted. */
    boolean counted(String st) {
        return st != null && !excludedStatuses.contains(st);
    }

    /**
     * The refund an insert, update or snapshot row of the refunds table leaves, given the refund as
     * it was before ({@code null} when unknown). Unusable: a NULL or empty order id, a refunded-at
     * that is NULL or not a time, an amount that is NULL, not a number, with more than 4 decimal
     * places or beyond {@code Decimal(18, 4)}.
     */
    Read<RefundState> refund(ChangeRecord change, RefundState before) {
        String missing = unresent(change, before, refundOrderId, refundedAt, refundAmount);
        if (missing != null) {
            return Read.unusable(missing);
        }
        boolean kept = before != null;
        String order;
        if (kept && change.unchangedColumns().contains(refundOrderId)) {
            order = before.orderId;
        } else {
            order = id(change.values().get(refundOrderId));
            if (order.isEmpty()) {
                return Read.unusable(refundOrderId + " is NULL or empty");
            }
        }
        Long day;
        if (kept && change.unchangedColumns().contains(refundedAt)) {
            day = before.day;
        } else {
            Object v = change.values().get(refundedAt);
            day = epochDay(v);
            if (day == null) {
                return Read.unusable(
                        refundedAt + (v == null ? " is NULL" : " '" + v + "' is not a time"));
            }
        }
        long units;
        if (kept && change.unchangedColumns().contains(refundAmount)) {
            units = before.amount;
        } else {
            try {
                units = Money.units(refundAmount, change.values().get(refundAmount));
            } catch (IllegalArgumentException e) {
                return Read.unusable(e.getMessage());
            }
        }
        return Read.of(new RefundState(order, day, units));
    }

    /**
     * The reason a change cannot be read when it leaves one of {@code columns} unchanged (a TOAST
     * value not resent) and the row before it is not known; null otherwise.
     */
    private static String unresent(ChangeRecord change, Object before, String... columns) {
        if (before != null) {
            return null;
        }
        for (String c : columns) {
            if (change.unchangedColumns().contains(c)) {
                return c + " is an unchanged TOAST value and the row before it is not known";
            }
        }
        return null;
    }

    /**
     * The UTC day of a time, as days since the epoch: a timestamptz, a timestamp (read as UTC), a
     * date, or epoch milliseconds (as {@code EventSchema} reads a number); null for anything else.
     */
    static Long epochDay(Object v) {
        if (v instanceof Instant i) {
            return Math.floorDiv(i.getEpochSecond(), 86_400L);
        }
        if (v instanceof LocalDateTime t) {
            return t.toLocalDate().toEpochDay();
        }
        if (v instanceof LocalDate d) {
            return d.toEpochDay();
        }
        if (v instanceof Long || v instanceof Integer) {
            return Math.floorDiv(((Number) v).longValue(), DAY_MS);
        }
        return null;
    }
}
