package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the finance rollups from the job's change stream: analytics.revenue_daily when the orders
 * and refunds tables are both captured ({@link FinanceOptions#revenueEnabled}; with neither, no
 * operator is added), analytics.mrr_daily when the subscriptions table is ({@link
 * FinanceOptions#mrrEnabled}).
 *
 * <pre>
 * changes ─ revenue-changes (orders, refunds; idle watermark) ─┬─ refunds ─ keyBy(refund id) revenue-refunds ─┐
 *                                                              └─ orders ─ keyBy(order id) ─ revenue-orders ┘
 *                                                                  ─ revenue-combine ─ keyBy(day, currency) revenue-daily
 * changes ─ mrr-changes (subscriptions; idle watermark) ─ keyBy(subscription id) mrr-subscriptions
 *             ─ keyBy(customer) mrr-customers ─ keyBy(one key) mrr-daily
 * event clock ─ mrr-clock (watermarks only) ───────────────────────────────────┘
 * </pre>
 *
 * <p>The refunds are keyed by refund id first because a delete carries only its key: {@link
 * RefundFunction} remembers which order each refund belongs to. Every stateful operator's uid is
 * its name; a savepoint taken without them restores, and they start empty (docs/finance.md says
 * what that means for the orders already in Postgres).
 */
public final class Finance {
    private static final Logger LOG = LoggerFactory.getLogger(Finance.class);

    private Finance() {}

    /**
     * The rows of the finance rollups and their dead letters; none when they are off.
     *
     * @param eventClock a stream carrying the job's event-time clock (the events' watermarks),
     *     which decides the last day analytics.mrr_daily reports; its records are not read
     */
    public static <T> List<DataStream<AnalyticsRow>> attach(
            DataStream<ChangeRecord> changes, DataStream<T> eventClock, SluiceConfig config) {
        List<DataStream<AnalyticsRow>> rows = new ArrayList<>();
        RevenueSchema schema = RevenueSchema.fromConfig(config);
        if (FinanceOptions.revenueEnabled(config)) {
            rows.addAll(revenue(changes, schema));
        } else {
            LOG.info(
                    "analytics.revenue_daily is off: neither {} nor {} is in postgres.tables",
                    schema.ordersTable(),
                    schema.refundsTable());
        }
        MrrSchema mrr = MrrSchema.fromConfig(config);
        if (FinanceOptions.mrrEnabled(config)) {
            rows.addAll(mrr(changes, eventClock, mrr));
        } else {
            LOG.info("analytics.mrr_daily is off: {} is not in postgres.tables", mrr.table());
        }
        return rows;
    }

    private static <T> List<DataStream<AnalyticsRow>> mrr(
            DataStream<ChangeRecord> changes, DataStream<T> eventClock, MrrSchema schema) {
        SingleOutputStreamOperator<SubscriptionChange> subscriptions =
                changes.transform(
                                "mrr-changes",
                                TypeInformation.of(ChangeRecord.class),
                                new FinanceChanges(Set.of(schema.table())))
                        .uid("mrr-changes")
                        .setParallelism(changes.getParallelism())
                        .keyBy(schema::subscriptionKey, Types.STRING)
                        .process(new SubscriptionFunction(schema))
                        .name("mrr-subscriptions")
                        .uid("mrr-subscriptions");
        DataStream<MrrDelta> deltas =
                subscriptions
                        .keyBy(c -> c.customerId, Types.STRING)
                        .process(new CustomerMrrFunction())
                        .name("mrr-customers")
                        .uid("mrr-customers");
        DataStream<Long> clock =
                eventClock
                        .flatMap(new WatermarksOnly<T>())
                        .returns(Types.LONG)
                        .name("mrr-clock")
                        .setParallelism(eventClock.getParallelism());
        DataStream<AnalyticsRow> daily =
                deltas.keyBy(d -> MrrDailyFunction.KEY, Types.STRING)
                        .connect(clock.keyBy(c -> MrrDailyFunction.KEY, Types.STRING))
                        .process(new MrrDailyFunction(), TypeInformation.of(AnalyticsRow.class))
                        .name("mrr-daily")
                        .uid("mrr-daily");
        return List.of(daily, subscriptions.getSideOutput(SubscriptionFunction.DEAD_LETTERS));
    }

    /** Passes no record on: what flows on is the input's watermarks (the event-time clock). */
    static final class WatermarksOnly<T> implements FlatMapFunction<T, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(T value, Collector<Long> out) {}
    }

    private static List<DataStream<AnalyticsRow>> revenue(
            DataStream<ChangeRecord> changes, RevenueSchema schema) {
        DataStream<ChangeRecord> finance =
                changes.transform(
                                "revenue-changes",
                                TypeInformation.of(ChangeRecord.class),
                                new FinanceChanges(
                                        Set.of(schema.ordersTable(), schema.refundsTable())))
                        .uid("revenue-changes")
                        .setParallelism(changes.getParallelism());
        SingleOutputStreamOperator<RefundChange> refunds =
                finance.filter(schema::isRefund)
                        .name("refunds-only")
                        .keyBy(schema::refundKey, Types.STRING)
                        .process(new RefundFunction(schema))
                        .name("revenue-refunds")
                        .uid("revenue-refunds");
        SingleOutputStreamOperator<RevenueDelta> orders =
                finance.filter(schema::isOrder)
                        .name("orders-only")
                        .keyBy(schema::orderKey, Types.STRING)
                        .connect(refunds.keyBy(r -> r.orderId, Types.STRING))
                        .process(
                                new OrderRevenueFunction(schema),
                                TypeInformation.of(RevenueDelta.class))
                        .name("revenue-orders")
                        .uid("revenue-orders");
        DataStream<AnalyticsRow> daily =
                orders.transform(
                                "revenue-combine",
                                TypeInformation.of(RevenueDelta.class),
                                new RevenueCombiner())
                        .uid("revenue-combine")
                        .keyBy(RevenueDelta::key, Types.STRING)
                        .process(new RevenueDailyFunction())
                        .name("revenue-daily")
                        .uid("revenue-daily");
        return List.of(
                daily,
                refunds.getSideOutput(RefundFunction.DEAD_LETTERS),
                orders.getSideOutput(OrderRevenueFunction.DEAD_LETTERS));
    }
}
