package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the finance rollup analytics.revenue_daily from the job's change stream, when the orders
 * and refunds tables are both captured ({@link FinanceOptions#revenueEnabled}; with neither, no
 * operator is added).
 *
 * <pre>
 * changes ─ revenue-changes (orders, refunds; idle watermark) ─┬─ refunds ─ keyBy(refund id) revenue-refunds ─┐
 *                                                              └─ orders ─ keyBy(order id) ─ revenue-orders ┘
 *                                                                  ─ revenue-combine ─ keyBy(day, currency) revenue-daily
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

    /** The rows of the finance rollups and their dead letters; none when they are off. */
    public static List<DataStream<AnalyticsRow>> attach(
            DataStream<ChangeRecord> changes, SluiceConfig config) {
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
        return rows;
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
