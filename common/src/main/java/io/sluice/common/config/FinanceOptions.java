package io.sluice.common.config;

import static io.sluice.common.config.Checks.eachEntryMatches;
import static io.sluice.common.config.Checks.notBlank;
import static io.sluice.common.config.Checks.tableName;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The finance part of {@code analytics:}: where the orders and refunds that analytics.revenue_daily
 * sums are, and the subscriptions of analytics.mrr_daily (docs/finance.md). Revenue runs when both
 * its tables are in {@code postgres.tables} (the job refuses to start with only one of them), MRR
 * when the subscriptions table is. The docs list these options at the end of {@link
 * AnalyticsOptions}' area.
 */
public final class FinanceOptions {
    private FinanceOptions() {}

    public static final ConfigOption<String> ORDERS_TABLE =
            ConfigOptions.key("analytics.finance.orders.table")
                    .stringType()
                    .defaultValue("public.orders")
                    .withDescription(
                            "The captured Postgres table of orders for analytics.revenue_daily,"
                                    + " keyed by the order id alone. The rollup runs when it and"
                                    + " 'analytics.finance.refunds.table' are both in"
                                    + " postgres.tables; the job refuses to start with only one"
                                    + " of them captured.");

    public static final ConfigOption<String> ORDERS_ORDER_ID =
            ConfigOptions.key("analytics.finance.orders.columns.order-id")
                    .stringType()
                    .defaultValue("order_id")
                    .withDescription(
                            "Orders column: the order id, the table's primary key (refunds name it"
                                    + " with the same text).");

    public static final ConfigOption<String> ORDERS_CREATED_AT =
            ConfigOptions.key("analytics.finance.orders.columns.created-at")
                    .stringType()
                    .defaultValue("created_at")
                    .withDescription(
                            "Orders column: when the order was placed (timestamptz, timestamp in"
                                    + " UTC, or date); its UTC day is the order's day.");

    public static final ConfigOption<String> ORDERS_STATUS =
            ConfigOptions.key("analytics.finance.orders.columns.status")
                    .stringType()
                    .defaultValue("status")
                    .withDescription(
                            "Orders column: the order's status; orders whose status is one of"
                                    + " 'analytics.finance.orders.excluded-statuses' (or NULL)"
                                    + " are not counted.");

    public static final ConfigOption<String> ORDERS_AMOUNT =
            ConfigOptions.key("analytics.finance.orders.columns.amount")
                    .stringType()
                    .defaultValue("amount")
                    .withDescription(
                            "Orders column: the order's amount (numeric, at most 4 decimal"
                                    + " places).");

    public static final ConfigOption<String> ORDERS_CURRENCY =
            ConfigOptions.key("analytics.finance.orders.columns.currency")
                    .stringType()
                    .defaultValue("currency")
                    .withDescription(
                            "Orders column: the order's currency code; revenue is summed per"
                                    + " currency, never converted.");

    public static final ConfigOption<List<String>> ORDERS_EXCLUDED_STATUSES =
            ConfigOptions.key("analytics.finance.orders.excluded-statuses")
                    .stringType()
                    .asList()
                    .defaultValues("pending", "canceled", "cancelled", "failed")
                    .withDescription(
                            "Order statuses (compared exactly) that keep an order out of the"
                                    + " orders and gross of analytics.revenue_daily. Its refunds"
                                    + " still count. Changing it moves orders only when they"
                                    + " next change; a fresh start recounts them all.");

    public static final ConfigOption<String> REFUNDS_TABLE =
            ConfigOptions.key("analytics.finance.refunds.table")
                    .stringType()
                    .defaultValue("public.refunds")
                    .withDescription(
                            "The captured Postgres table of refunds for analytics.revenue_daily,"
                                    + " keyed by the refund id alone.");

    public static final ConfigOption<String> REFUNDS_REFUND_ID =
            ConfigOptions.key("analytics.finance.refunds.columns.refund-id")
                    .stringType()
                    .defaultValue("refund_id")
                    .withDescription("Refunds column: the refund id, the table's primary key.");

    public static final ConfigOption<String> REFUNDS_ORDER_ID =
            ConfigOptions.key("analytics.finance.refunds.columns.order-id")
                    .stringType()
                    .defaultValue("order_id")
                    .withDescription(
                            "Refunds column: the id of the refunded order; the refund counts in"
                                    + " that order's currency.");

    public static final ConfigOption<String> REFUNDS_AMOUNT =
            ConfigOptions.key("analytics.finance.refunds.columns.amount")
                    .stringType()
                    .defaultValue("amount")
                    .withDescription(
                            "Refunds column: the amount refunded (numeric, at most 4 decimal"
                                    + " places).");

    public static final ConfigOption<String> REFUNDS_REFUNDED_AT =
            ConfigOptions.key("analytics.finance.refunds.columns.refunded-at")
                    .stringType()
                    .defaultValue("refunded_at")
                    .withDescription(
                            "Refunds column: when the refund was made (timestamptz, timestamp in"
                                    + " UTC, or date); its UTC day is the refund's day.");

    public static final ConfigOption<String> SUBSCRIPTIONS_TABLE =
            ConfigOptions.key("analytics.finance.subscriptions.table")
                    .stringType()
                    .defaultValue("public.subscriptions")
                    .withDescription(
                            "The captured Postgres table of subscriptions for analytics.mrr_daily,"
                                    + " keyed by the subscription id alone. The rollup runs when it"
                                    + " is in postgres.tables.");

    public static final ConfigOption<String> SUBSCRIPTIONS_SUBSCRIPTION_ID =
            ConfigOptions.key("analytics.finance.subscriptions.columns.subscription-id")
                    .stringType()
                    .defaultValue("subscription_id")
                    .withDescription(
                            "Subscriptions column: the subscription id, the table's primary key.");

    public static final ConfigOption<String> SUBSCRIPTIONS_CUSTOMER_ID =
            ConfigOptions.key("analytics.finance.subscriptions.columns.customer-id")
                    .stringType()
                    .defaultValue("user_id")
                    .withDescription(
                            "Subscriptions column: the customer; MRR movements (new, expansion,"
                                    + " contraction, churned) compare each customer's MRR from one"
                                    + " day to the next.");

    public static final ConfigOption<String> SUBSCRIPTIONS_MRR =
            ConfigOptions.key("analytics.finance.subscriptions.columns.mrr")
                    .stringType()
                    .defaultValue("mrr")
                    .withDescription(
                            "Subscriptions column: the monthly recurring revenue (numeric, at most"
                                    + " 4 decimal places), for every day the subscription is"
                                    + " active.");

    public static final ConfigOption<String> SUBSCRIPTIONS_STARTED_AT =
            ConfigOptions.key("analytics.finance.subscriptions.columns.started-at")
                    .stringType()
                    .defaultValue("started_at")
                    .withDescription(
                            "Subscriptions column: the first day it is active (date, or a"
                                    + " timestamp's UTC day).");

    public static final ConfigOption<String> SUBSCRIPTIONS_CANCELED_AT =
            ConfigOptions.key("analytics.finance.subscriptions.columns.canceled-at")
                    .stringType()
                    .defaultValue("canceled_at")
                    .withDescription(
                            "Subscriptions column: the first day it is no longer active (date, or"
                                    + " a timestamp's UTC day); NULL while it runs.");

    /**
     * Whether analytics.mrr_daily runs: true when the subscriptions table is in {@code
     * postgres.tables}.
     *
     * @throws ConfigException when its mapping names one column twice
     */
    public static boolean mrrEnabled(SluiceConfig config) {
        if (!captured(config, SUBSCRIPTIONS_TABLE)) {
            return false;
        }
        List<String> problems = new ArrayList<>();
        distinctColumns(
                config,
                "subscriptions",
                List.of(
                        SUBSCRIPTIONS_SUBSCRIPTION_ID,
                        SUBSCRIPTIONS_CUSTOMER_ID,
                        SUBSCRIPTIONS_MRR,
                        SUBSCRIPTIONS_STARTED_AT,
                        SUBSCRIPTIONS_CANCELED_AT),
                problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return true;
    }

    /**
     * Whether analytics.revenue_daily runs: true when both the orders and the refunds table are in
     * {@code postgres.tables}, false when neither is.
     *
     * @throws ConfigException when only one of them is captured (the other half of the rollup would
     *     be missing without a word), or when the mapping contradicts itself
     */
    public static boolean revenueEnabled(SluiceConfig config) {
        List<String> problems = revenueProblems(config);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return captured(config, ORDERS_TABLE);
    }

    /** What {@link #revenueEnabled} refuses, one message per problem. */
    static List<String> revenueProblems(SluiceConfig config) {
        boolean orders = captured(config, ORDERS_TABLE);
        boolean refunds = captured(config, REFUNDS_TABLE);
        List<String> problems = new ArrayList<>();
        if (orders != refunds) {
            ConfigOption<String> in = orders ? ORDERS_TABLE : REFUNDS_TABLE;
            ConfigOption<String> out = orders ? REFUNDS_TABLE : ORDERS_TABLE;
            problems.add(
                    "'"
                            + in.key()
                            + "' ("
                            + config.get(in)
                            + ") is in 'postgres.tables' but '"
                            + out.key()
                            + "' ("
                            + config.get(out)
                            + ") is not: analytics.revenue_daily needs both (refunds are netted"
                            + " against the orders' gross). Capture both, or neither to run"
                            + " without it");
            return problems;
        }
        if (!orders) {
            return problems;
        }
        if (TableId.parse(config.get(ORDERS_TABLE))
                .equals(TableId.parse(config.get(REFUNDS_TABLE)))) {
            problems.add(
                    "'"
                            + ORDERS_TABLE.key()
                            + "' and '"
                            + REFUNDS_TABLE.key()
                            + "' are both "
                            + config.get(ORDERS_TABLE)
                            + ": orders and refunds must be two tables");
        }
        distinctColumns(
                config,
                "orders",
                List.of(
                        ORDERS_ORDER_ID,
                        ORDERS_CREATED_AT,
                        ORDERS_STATUS,
                        ORDERS_AMOUNT,
                        ORDERS_CURRENCY),
                problems);
        distinctColumns(
                config,
                "refunds",
                List.of(REFUNDS_REFUND_ID, REFUNDS_ORDER_ID, REFUNDS_AMOUNT, REFUNDS_REFUNDED_AT),
                problems);
        return problems;
    }

    private static boolean captured(SluiceConfig config, ConfigOption<String> table) {
        return config.tables().contains(TableId.parse(config.get(table)));
    }

    private static void distinctColumns(
            SluiceConfig config,
            String table,
            List<ConfigOption<String>> columns,
            List<String> problems) {
        Map<String, String> byColumn = new LinkedHashMap<>();
        for (ConfigOption<String> c : columns) {
            String had = byColumn.putIfAbsent(config.get(c), c.key());
            if (had != null) {
                problems.add(
                        "'"
                                + had
                                + "' and '"
                                + c.key()
                                + "' both name the "
                                + table
                                + " column "
                                + config.get(c)
                                + ": each must name its own column");
            }
        }
    }

    /** The options of this part in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(ORDERS_TABLE, tableName()),
                    OptionRule.optional(ORDERS_ORDER_ID, notBlank()),
                    OptionRule.optional(ORDERS_CREATED_AT, notBlank()),
                    OptionRule.optional(ORDERS_STATUS, notBlank()),
                    OptionRule.optional(ORDERS_AMOUNT, notBlank()),
                    OptionRule.optional(ORDERS_CURRENCY, notBlank()),
                    OptionRule.optional(
                            ORDERS_EXCLUDED_STATUSES,
                            eachEntryMatches("(?s).*\\S.*", "a status, not blank")),
                    OptionRule.optional(REFUNDS_TABLE, tableName()),
                    OptionRule.optional(REFUNDS_REFUND_ID, notBlank()),
                    OptionRule.optional(REFUNDS_ORDER_ID, notBlank()),
                    OptionRule.optional(REFUNDS_AMOUNT, notBlank()),
                    OptionRule.optional(REFUNDS_REFUNDED_AT, notBlank()),
                    OptionRule.optional(SUBSCRIPTIONS_TABLE, tableName()),
                    OptionRule.optional(SUBSCRIPTIONS_SUBSCRIPTION_ID, notBlank()),
                    OptionRule.optional(SUBSCRIPTIONS_CUSTOMER_ID, notBlank()),
                    OptionRule.optional(SUBSCRIPTIONS_MRR, notBlank()),
                    OptionRule.optional(SUBSCRIPTIONS_STARTED_AT, notBlank()),
                    OptionRule.optional(SUBSCRIPTIONS_CANCELED_AT, notBlank()));
}
