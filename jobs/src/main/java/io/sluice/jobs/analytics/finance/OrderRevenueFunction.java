package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.RevenueDailyRow;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by order id: joins each order with its refunds and emits what they add to
 * analytics.revenue_daily as {@link RevenueDelta}s, taking back exactly what the order and its
 * refunds added before whenever either changes (definitions: docs/finance.md).
 *
 * <ul>
 *   <li>An order adds, on the UTC day of its created-at and in its currency, 1 order and its
 *       amount, when it is counted (its status is not excluded); and each of its refunds adds its
 *       amount, and 1 to the refund count, on the refund's UTC day in the order's currency,
 *       whatever the order's status.
 *   <li>First input, the orders table's changes: a change emits the difference between what the
 *       order adds after it and before it, per day and currency (nothing when equal); a delete
 *       takes back the order and its refunds. An unusable row ({@link RevenueSchema#order}) takes
 *       them back too, until a usable change comes, and writes a row to analytics.dead_letters with
 *       the reason ({@link #DEAD_LETTERS} side output, versioned by the change's LSN), which that
 *       usable change, or the order's delete, deletes.
 *   <li>Second input, {@link RefundChange}s from {@link RefundFunction}: the refund replaces what
 *       the order held for that refund id. While the order is not known (its refund came first, it
 *       was deleted, or it is unusable) the refunds are held and add nothing; they count once the
 *       order is there.
 *   <li>Each delta carries the LSN of the change that caused it.
 * </ul>
 *
 * <p>State: the order ({@link OrderState}) while it exists, its refunds (refund id → day and
 * amount) while they exist, and a mark while its dead letter is written. Every change of the order
 * and its refunds reaches this key in the order the source read them, and the result depends only
 * on the current order and refunds, not on how the two inputs interleave.
 */
@Internal
public final class OrderRevenueFunction
        extends KeyedCoProcessFunction<String, ChangeRecord, RefundChange, RevenueDelta> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<AnalyticsRow> DEAD_LETTERS =
            new OutputTag<>("order-dead-letters", TypeInformation.of(AnalyticsRow.class));

    private final RevenueSchema schema;

    private transient ValueState<OrderState> order;

    /** Refund id → {UTC day, amount in units of 1/10,000}. */
    private transient MapState<String, long[]> refunds;

    private transient FinanceDeadLetters deadLetters;

    public OrderRevenueFunction(RevenueSchema schema) {
        this.schema = schema;
    }

    @Override
    public void open(OpenContext openContext) {
        order =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "order", TypeInformation.of(OrderState.class)));
        refunds =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "refunds",
                                        Types.STRING,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        deadLetters =
                new FinanceDeadLetters(
                        getRuntimeContext(), schema.orders.toString(), schema::orderKey);
    }

    @Override
    public void processElement1(ChangeRecord change, Context ctx, Collector<RevenueDelta> out)
            throws Exception {
        long lsn = change.lsn();
        if (ctx.getCurrentKey().isEmpty()) {
            deadLetters.write(
                    r -> ctx.output(DEAD_LETTERS, r), change, schema.orderId + " is NULL", false);
            return;
        }
        OrderState before = order.value();
        if (change.isDelete()) {
            if (before != null) {
                emitDifference(before, null, lsn, out);
                order.clear();
            }
            deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
            return;
        }
        RevenueSchema.Read<OrderState> read = schema.order(change, before);
        if (read.value() == null) {
            if (before != null) {
                emitDifference(before, null, lsn, out);
                order.clear();
            }
            deadLetters.write(r -> ctx.output(DEAD_LETTERS, r), change, read.reason(), true);
            return;
        }
        deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
        OrderState now = read.value();
        if (!now.equals(before)) {
            emitDifference(before, now, lsn, out);
            order.update(now);
        }
    }

    @Override
    public void processElement2(RefundChange change, Context ctx, Collector<RevenueDelta> out)
            throws Exception {
        long[] before = refunds.get(change.refundId);
        long[] now = change.present ? new long[] {change.day, change.amount} : null;
        if (now == null) {
            refunds.remove(change.refundId);
        } else {
            refunds.put(change.refundId, now);
        }
        OrderState o = order.value();
        if (o == null) {
            return; // held until the order is known
        }
        Map<String, RevenueDelta> d = new TreeMap<>();
        if (before != null) {
            add(d, before[0], o.currency, 0, 0, -before[1], -1, change.lsn);
        }
        if (now != null) {
            add(d, now[0], o.currency, 0, 0, now[1], 1, change.lsn);
        }
        emit(d, out);
    }

    /**
     * Emits what the order adds as {@code now} minus what it added as {@code before} (either null:
     * nothing), per day and currency. Its refunds cancel out unless the order appears, goes, or
     * changes currency.
     */
    private void emitDifference(
            OrderState before, OrderState now, long lsn, Collector<RevenueDelta> out)
            throws Exception {
        Map<String, RevenueDelta> d = new TreeMap<>();
        addOrder(d, before, -1, lsn);
        addOrder(d, now, 1, lsn);
        boolean refundsMove =
                before == null || now == null || !before.currency.equals(now.currency);
        if (refundsMove) {
            for (Map.Entry<String, long[]> r : refunds.entries()) {
                long[] v = r.getValue();
                if (before != null) {
                    add(d, v[0], before.currency, 0, 0, -v[1], -1, lsn);
                }
                if (now != null) {
                    add(d, v[0], now.currency, 0, 0, v[1], 1, lsn);
                }
            }
        }
        emit(d, out);
    }

    private static void addOrder(Map<String, RevenueDelta> d, OrderState o, int sign, long lsn) {
        if (o != null && o.counted) {
            add(d, o.day, o.currency, sign, sign * o.amount, 0, 0, lsn);
        }
    }

    private static void add(
            Map<String, RevenueDelta> d,
            long day,
            String currency,
            long orders,
            long gross,
            long refunds,
            long refundCount,
            long lsn) {
        RevenueDelta delta =
                new RevenueDelta(day, currency, orders, gross, refunds, refundCount, lsn);
        RevenueDelta sum = d.putIfAbsent(RevenueDailyRow.key(day, currency), delta);
        if (sum != null) {
            sum.add(delta);
        }
    }

    private static void emit(Map<String, RevenueDelta> d, Collector<RevenueDelta> out) {
        for (RevenueDelta delta : d.values()) {
            if (!delta.isZero()) {
                out.collect(delta);
            }
        }
    }
}
