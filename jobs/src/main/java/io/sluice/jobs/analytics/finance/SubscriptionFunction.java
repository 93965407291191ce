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
 * Keyed by subscription id: turns the subscriptions table's changes into {@link
 * SubscriptionChange}s for the customer each belongs to, as {@link RefundFunction} does for refunds
 * (a delete carries only the subscription id, so the subscription is kept here to take it back). A
 * change sends the subscription as it now is to its customer and, when it moved to another
 * customer, {@code gone} to the one before; a delete sends {@code gone}; an unusable row ({@link
 * MrrSchema#subscription}) sends {@code gone} and a dead letter with the reason ({@link
 * #DEAD_LETTERS}, versioned by the change's LSN), which a later usable change or the delete
 * deletes.
 *
 * <p>State, kept while the subscription exists: the subscription, or a mark that its dead letter is
 * written.
 */
@Internal
public final class SubscriptionFunction
        extends KeyedProcessFunction<String, ChangeRecord, SubscriptionChange> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<AnalyticsRow> DEAD_LETTERS =
            new OutputTag<>("subscription-dead-letters", TypeInformation.of(AnalyticsRow.class));

    private final MrrSchema schema;

    private transient ValueState<SubscriptionState> subscription;
    private transient ValueState<Boolean> deadLettered;
    private transient Counter deadLetters;

    public SubscriptionFunction(MrrSchema schema) {
        this.schema = schema;
    }

    @Override
    public void open(OpenContext openContext) {
        subscription =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "subscription",
                                        TypeInformation.of(SubscriptionState.class)));
        deadLettered =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("dead-lettered", Types.BOOLEAN));
        deadLetters = getRuntimeContext().getMetricGroup().counter("sluiceDeadLetters");
    }

    @Override
    public void processElement(ChangeRecord change, Context ctx, Collector<SubscriptionChange> out)
            throws Exception {
        String id = ctx.getCurrentKey();
        long lsn = change.lsn();
        if (id.isEmpty()) {
            deadLetters.inc();
            ctx.output(
                    DEAD_LETTERS,
                    deadLetter(change, schema.subscriptionId + " is NULL", lsn, false));
            return;
        }
        SubscriptionState before = subscription.value();
        if (change.isDelete()) {
            if (before != null) {
                out.collect(SubscriptionChange.gone(id, before, lsn));
                subscription.clear();
            }
            clearDeadLetter(change, ctx, lsn);
            return;
        }
        RevenueSchema.Read<SubscriptionState> read = schema.subscription(change, before);
        if (read.value() == null) {
            deadLetters.inc();
            if (before != null) {
                out.collect(SubscriptionChange.gone(id, before, lsn));
                subscription.clear();
            }
            ctx.output(DEAD_LETTERS, deadLetter(change, read.reason(), lsn, false));
            deadLettered.update(true);
            return;
        }
        clearDeadLetter(change, ctx, lsn);
        SubscriptionState now = read.value();
        if (before != null && !before.customerId.equals(now.customerId)) {
            out.collect(SubscriptionChange.gone(id, before, lsn));
        }
        if (!now.equals(before)) {
            out.collect(SubscriptionChange.present(id, now, lsn));
            subscription.update(now);
        }
    }

    private void clearDeadLetter(ChangeRecord change, Context ctx, long lsn) throws Exception {
        if (Boolean.TRUE.equals(deadLettered.value())) {
            ctx.output(DEAD_LETTERS, deadLetter(change, "", lsn, true));
            deadLettered.clear();
        }
    }

    private AnalyticsRow deadLetter(ChangeRecord change, String reason, long lsn, boolean deleted) {
        return new DeadLetterRow(
                        schema.subscriptions.toString(),
                        schema.subscriptionKey(change),
                        reason,
                        deleted ? "" : EventParser.rawRow(change),
                        lsn,
                        deleted)
                .encode();
    }
}
