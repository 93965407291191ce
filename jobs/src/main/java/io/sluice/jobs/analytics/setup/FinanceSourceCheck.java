package io.sluice.jobs.analytics.setup;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.FinanceOptions;
import io.sluice.common.config.PiiColumn;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;

/**
 * Checks the finance rollups' source tables against the Postgres catalog before the job is built,
 * as {@link AnalyticsSetup} checks the events and users tables: with only one of orders and refunds
 * captured the start is refused ({@link FinanceOptions#revenueEnabled}); with both, each must exist
 * with the configured columns, be keyed by its id column alone (a delete carries only the key, and
 * a refund's delete must still find its order), deliver those columns (not generated before
 * Postgres 18), and the order id must be hashed in both tables or in neither (or no refund would
 * meet its order). The subscriptions table of analytics.mrr_daily, when captured, is checked the
 * same way.
 */
final class FinanceSourceCheck {
    private FinanceSourceCheck() {}

    static List<String> problems(SluiceConfig config, PostgresCatalog catalog) throws SQLException {
        List<String> problems = new ArrayList<>();
        boolean revenue;
        boolean mrr;
        try {
            revenue = FinanceOptions.revenueEnabled(config);
            mrr = FinanceOptions.mrrEnabled(config);
        } catch (ConfigException e) {
            return e.problems();
        }
        if (revenue) {
            TableId orders = TableId.parse(config.get(FinanceOptions.ORDERS_TABLE));
            TableId refunds = TableId.parse(config.get(FinanceOptions.REFUNDS_TABLE));
            Map<TableId, Set<String>> unreplicated =
                    catalog.unreplicatedColumns(List.of(orders, refunds));
            problems.addAll(
                    revenueProblems(
                            config,
                            catalog.table(orders),
                            catalog.table(refunds),
                            unreplicated.getOrDefault(orders, Set.of()),
                            unreplicated.getOrDefault(refunds, Set.of())));
        }
        if (mrr) {
            TableId subscriptions = TableId.parse(config.get(FinanceOptions.SUBSCRIPTIONS_TABLE));
            problems.addAll(
                    mrrProblems(
                            config,
                            catalog.table(subscriptions),
                            catalog.unreplicatedColumns(List.of(subscriptions))
                                    .getOrDefault(subscriptions, Set.of())));
        }
        return problems;
    }

    /**
     * With the subscriptions table captured: what is wrong with it.
     *
     * @param subscriptions the table as the catalog describes it, empty when it does not exist
     * @param unreplicated its columns logical replication does not deliver
     */
    static List<String> mrrProblems(
            SluiceConfig config, Optional<PgTable> subscriptions, Set<String> unreplicated) {
        List<String> problems = new ArrayList<>();
        table(
                config,
                FinanceOptions.SUBSCRIPTIONS_TABLE,
                subscriptions,
                unreplicated,
                FinanceOptions.SUBSCRIPTIONS_SUBSCRIPTION_ID,
                List.of(
                        FinanceOptions.SUBSCRIPTIONS_CUSTOMER_ID,
                        FinanceOptions.SUBSCRIPTIONS_MRR,
                        FinanceOptions.SUBSCRIPTIONS_STARTED_AT,
                        FinanceOptions.SUBSCRIPTIONS_CANCELED_AT),
                " (analytics.mrr_daily)",
                problems);
        return problems;
    }

    /**
     * With both tables captured: what is wrong with them.
     *
     * @param orders the orders table as the catalog describes it, empty when it does not exist
     * @param refunds the same for the refunds table
     * @param unreplicatedOrders the orders table's columns logical replication does not deliver
     * @param unreplicatedRefunds the same for the refunds table
     */
    static List<String> revenueProblems(
            SluiceConfig config,
            Optional<PgTable> orders,
            Optional<PgTable> refunds,
            Set<String> unreplicatedOrders,
            Set<String> unreplicatedRefunds) {
        List<String> problems = new ArrayList<>();
        table(
                config,
                FinanceOptions.ORDERS_TABLE,
                orders,
                unreplicatedOrders,
                FinanceOptions.ORDERS_ORDER_ID,
                List.of(
                        FinanceOptions.ORDERS_CREATED_AT,
                        FinanceOptions.ORDERS_STATUS,
                        FinanceOptions.ORDERS_AMOUNT,
                        FinanceOptions.ORDERS_CURRENCY),
                " (analytics.revenue_daily)",
                problems);
        table(
                config,
                FinanceOptions.REFUNDS_TABLE,
                refunds,
                unreplicatedRefunds,
                FinanceOptions.REFUNDS_REFUND_ID,
                List.of(
                        FinanceOptions.REFUNDS_ORDER_ID,
                        FinanceOptions.REFUNDS_AMOUNT,
                        FinanceOptions.REFUNDS_REFUNDED_AT),
                " (analytics.revenue_daily)",
                problems);
        Set<String> hashed = new HashSet<>(); // as PiiMasker reads them
        for (PiiColumn c : PiiColumn.all(config)) {
            if (c.whole()) { // a JSON path inside a column leaves the column's value
                hashed.add(c.table().qualified() + "." + c.column());
            }
        }
        String orderId =
                qualified(config, FinanceOptions.ORDERS_TABLE, FinanceOptions.ORDERS_ORDER_ID);
        String refundOrderId =
                qualified(config, FinanceOptions.REFUNDS_TABLE, FinanceOptions.REFUNDS_ORDER_ID);
        if (hashed.contains(orderId) != hashed.contains(refundOrderId)) {
            problems.add(
                    "'pii.columns' hashes "
                            + (hashed.contains(orderId) ? orderId : refundOrderId)
                            + " but not "
                            + (hashed.contains(orderId) ? refundOrderId : orderId)
                            + ": hash both or neither, or no refund would meet its order"
                            + " (analytics.revenue_daily)");
        }
        return problems;
    }

    private static String qualified(
            SluiceConfig config, ConfigOption<String> table, ConfigOption<String> column) {
        return TableId.parse(config.get(table)).qualified() + "." + config.get(column);
    }

    private static void table(
            SluiceConfig config,
            ConfigOption<String> tableOption,
            Optional<PgTable> table,
            Set<String> unreplicated,
            ConfigOption<String> idOption,
            List<ConfigOption<String>> columnOptions,
            String why,
            List<String> problems) {
        TableId id = TableId.parse(config.get(tableOption));
        if (table.isEmpty()) {
            problems.add(
                    "'"
                            + tableOption.key()
                            + "' is "
                            + id
                            + ", which does not exist in Postgres"
                            + why);
            return;
        }
        List<ConfigOption<String>> all = new ArrayList<>();
        all.add(idOption);
        all.addAll(columnOptions);
        for (ConfigOption<String> c : all) {
            String column = config.get(c);
            if (table.get().column(column) == null) {
                problems.add(
                        "'" + c.key() + "' is " + column + ", but " + id + " has no such column");
            } else if (unreplicated.contains(column)) {
                problems.add(
                        "'"
                                + c.key()
                                + "' is "
                                + column
                                + ", a generated column of "
                                + id
                                + ", which logical replication does not deliver before"
                                + " Postgres 18");
            }
        }
        String idColumn = config.get(idOption);
        List<String> key = table.get().primaryKey().stream().map(PgColumn::name).toList();
        if (table.get().column(idColumn) != null && !key.equals(List.of(idColumn))) {
            problems.add(
                    "'"
                            + idOption.key()
                            + "' is "
                            + idColumn
                            + ", but the primary key of "
                            + id
                            + " is "
                            + (key.isEmpty() ? "missing" : "(" + String.join(", ", key) + ")")
                            + ": a deleted row carries only its key, so the id must be the whole"
                            + " primary key"
                            + why);
        }
    }
}
