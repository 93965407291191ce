package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.DeadLetterRow;
import io.sluice.jobs.analytics.operators.EventParser;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
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
    private transient ValueState<Boolean> deadLettered;
    private transient Counter deadLetters;

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
        deadLettered =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("dead-lettered", Types.BOOLEAN));
        deadLetters = getRuntimeContext().getMetricGroup().counter("sluiceDeadLetters");
    }

    @Override
    public void processElement(ChangeRecord change, Context ctx, Collector<RefundChange> out)
            throws Exception {
        String id = ctx.getCurrentKey();
        long lsn = change.lsn();
        if (id.isEmpty()) {
            deadLetters.inc();
            ctx.output(DEAD_LETTERS, deadLetter(change, schema.refundId + " is NULL", lsn, false));
            return;
        }
        RefundState before = refund.value();
        if (change.isDelete()) {
            if (before != null) {
                out.collect(RefundChange.gone(id, before, lsn));
                refund.clear();
            }
            clearDeadLetter(change, ctx, lsn);
            return;
        }
        RevenueSchema.Read<RefundState> read = schema.refund(change, before);
        if (read.value() == null) {
            deadLetters.inc();
            if (before != null) {
                out.collect(RefundChange.gone(id, before, lsn));
                refund.clear();
            }
            ctx.output(DEAD_LETTERS, deadLetter(change, read.reason(), lsn, false));
            deadLettered.update(true);
            return;
        }
        clearDeadLetter(change, ctx, lsn);
        RefundState now = read.value();
        if (before != null && !before.orderId.equals(now.orderId)) {
            out.collect(RefundChange.gone(id, before, lsn));
        }
        if (!now.equals(before)) {
            out.collect(RefundChange.present(id, now, lsn));
            refund.update(now);
        }
    }

    /** Deletes the refund's dead letter, if one is written. */
    private void clearDeadLetter(ChangeRecord change, Context ctx, long lsn) throws Exception {
        if (Boolean.TRUE.equals(deadLettered.value())) {
            ctx.output(DEAD_LETTERS, deadLetter(change, "", lsn, true));
            deadLettered.clear();
        }
    }

    private AnalyticsRow deadLetter(ChangeRecord change, String reason, long lsn, boolean deleted) {
        return new DeadLetterRow(
                        schema.refunds.toString(),
                        schema.refundKey(change),
                        reason,
                        deleted ? "" : EventParser.rawRow(change),
                        lsn,
                        deleted)
                .encode();
    }
}
