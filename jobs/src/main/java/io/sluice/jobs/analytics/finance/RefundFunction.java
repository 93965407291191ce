package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by refund id: turns the refunds table's changes into {@link RefundChange}s for the order
 * each refund belongs to. A delete carries only the refund id (the replica identity is the primary
 * key), so the refund's order, day and amount are kept here to take it back from its order.
 *
 * <ul>
 *   <li>An insert, update or snapshot row sends the refund as it now is to its order, and, when it
 *       moved to another order, {@code gone} to the one before; an update that changes nothing the
 *       rollup reads sends nothing.
 *   <li>A delete sends {@code gone} to the order.
 *   <li>An unusable row (no order id, no refunded-at, a bad amount: {@link RevenueSchema#refund})
 *       sends {@code gone} for what the refund was, and a row to analytics.dead_letters with the
 *       reason ({@link #DEAD_LETTERS} side output, versioned by the change's LSN); a later change
 *       that makes it usable, or its delete, deletes that dead letter.
 * </ul>
 *
 * <p>State, kept while the refund exists: the refund ({@link RefundState}), or a mark that its dead
 * letter is written.
 */
@Internal
public final class RefundFunction extends KeyedProcessFunction<String, ChangeRecord, RefundChange> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<AnalyticsRow> DEAD_LETTERS =
            new OutputTag<>("refund-dead-letters", TypeInformation.of(AnalyticsRow.class));

    private final RevenueSchema schema;

    private transient ValueState<RefundState> refund;
    private transient FinanceDeadLetters deadLetters;

    public RefundFunction(RevenueSchema schema) {
        this.schema = schema;
    }

    @Override
    public void open(OpenContext openContext) {
        refund =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "refund", TypeInformation.of(RefundState.class)));
        deadLetters =
                new FinanceDeadLetters(
                        getRuntimeContext(), schema.refunds.toString(), schema::refundKey);
    }

    @Override
    public void processElement(ChangeRecord change, Context ctx, Collector<RefundChange> out)
            throws Exception {
        String id = ctx.getCurrentKey();
        long lsn = change.lsn();
        if (id.isEmpty()) {
            deadLetters.write(
                    r -> ctx.output(DEAD_LETTERS, r), change, schema.refundId + " is NULL", false);
            return;
        }
        RefundState before = refund.value();
        if (change.isDelete()) {
            if (before != null) {
                out.collect(RefundChange.gone(id, before, lsn));
                refund.clear();
            }
            deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
            return;
        }
        RevenueSchema.Read<RefundState> read = schema.refund(change, before);
        if (read.value() == null) {
            if (before != null) {
                out.collect(RefundChange.gone(id, before, lsn));
                refund.clear();
            }
            deadLetters.write(r -> ctx.output(DEAD_LETTERS, r), change, read.reason(), true);
            return;
        }
        deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
        RefundState now = read.value();
        if (before != null && !before.orderId.equals(now.orderId)) {
            out.collect(RefundChange.gone(id, before, lsn));
        }
        if (!now.equals(before)) {
            out.collect(RefundChange.present(id, now, lsn));
            refund.update(now);
        }
    }
}
