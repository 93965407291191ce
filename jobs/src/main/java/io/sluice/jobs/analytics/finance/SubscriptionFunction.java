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
    private transient FinanceDeadLetters deadLetters;

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
        deadLetters =
                new FinanceDeadLetters(
                        getRuntimeContext(),
                        schema.subscriptions.toString(),
                        schema::subscriptionKey);
    }

    @Override
    public void processElement(ChangeRecord change, Context ctx, Collector<SubscriptionChange> out)
            throws Exception {
        String id = ctx.getCurrentKey();
        long lsn = change.lsn();
        if (id.isEmpty()) {
            deadLetters.write(
                    r -> ctx.output(DEAD_LETTERS, r),
                    change,
                    schema.subscriptionId + " is NULL",
                    false);
            return;
        }
        SubscriptionState before = subscription.value();
        if (change.isDelete()) {
            if (before != null) {
                out.collect(SubscriptionChange.gone(id, before, lsn));
                subscription.clear();
            }
            deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
            return;
        }
        RevenueSchema.Read<SubscriptionState> read = schema.subscription(change, before);
        if (read.value() == null) {
            if (before != null) {
                out.collect(SubscriptionChange.gone(id, before, lsn));
                subscription.clear();
            }
            deadLetters.write(r -> ctx.output(DEAD_LETTERS, r), change, read.reason(), true);
            return;
        }
        deadLetters.clear(r -> ctx.output(DEAD_LETTERS, r), change);
        SubscriptionState now = read.value();
        if (before != null && !before.customerId.equals(now.customerId)) {
            out.collect(SubscriptionChange.gone(id, before, lsn));
        }
        if (!now.equals(before)) {
            out.collect(SubscriptionChange.present(id, now, lsn));
            subscription.update(now);
        }
    }
}
