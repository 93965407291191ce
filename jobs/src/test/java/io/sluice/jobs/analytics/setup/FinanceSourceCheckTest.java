package io.sluice.jobs.analytics.setup;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** With orders and refunds captured, the start says what is wrong with either table. */
class FinanceSourceCheckTest {
    static final TableId ORDERS = new TableId("public", "orders");
    static final TableId REFUNDS = new TableId("public", "refunds");

    static Map<String, Object> values() {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.events", "public.orders", "public.refunds"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        return v;
    }

    /** The sample schema's tables (sql/postgres/01_schema.sql). */
    static PgTable orders(int orderIdKey, int createdAtKey) {
        return new PgTable(
                ORDERS,
                List.of(
                        new PgColumn("order_id", "bigint", false, orderIdKey > 0, orderIdKey),
                        new PgColumn("user_id", "bigint", false, false, 0),
                        new PgColumn(
                                "created_at",
                                "timestamp with time zone",
                                false,
                                createdAtKey > 0,
                                createdAtKey),
                        new PgColumn("status", "text", false, false, 0),
                        new PgColumn("amount", "numeric(12,2)", false, false, 0),
                        new PgColumn("currency", "character(3)", false, false, 0)));
    }

    static PgTable refunds() {
        return new PgTable(
                REFUNDS,
                List.of(
                        new PgColumn("refund_id", "bigint", false, true, 1),
                        new PgColumn("order_id", "bigint", false, false, 0),
                        new PgColumn("amount", "numeric(12,2)", false, false, 0),
                        new PgColumn("reason", "text", true, false, 0),
                        new PgColumn("refunded_at", "timestamp with time zone", false, false, 0)));
    }

    @Test
    void theSampleTablesAreFine() {
        assertThat(
                        FinanceSourceCheck.revenueProblems(
                                SluiceConfig.of(values()),
                                Optional.of(orders(1, 0)),
                                Optional.of(refunds()),
                                Set.of(),
                                Set.of()))
                .isEmpty();
    }

    @Test
    void saysWhatIsMissingOrWrong() {
        Map<String, Object> v = values();
        v.put("analytics.finance.orders.columns.amount", "total");
        v.put("pii.columns", List.of("public.orders.order_id"));
        List<String> problems =
                FinanceSourceCheck.revenueProblems(
                        SluiceConfig.of(v),
                        Optional.of(orders(1, 2)),
                        Optional.empty(),
                        Set.of("currency"),
                        Set.of());
        assertThat(problems)
                .containsExactly(
                        "'analytics.finance.orders.columns.amount' is total, but public.orders"
                                + " has no such column",
                        "'analytics.finance.orders.columns.currency' is currency, a generated"
                                + " column of public.orders, which logical replication does not"
                                + " deliver before Postgres 18",
                        "'analytics.finance.orders.columns.order-id' is order_id, but the"
                                + " primary key of public.orders is (order_id, created_at): a"
                                + " deleted row carries only its key, so the id must be the whole"
                                + " primary key (analytics.revenue_daily)",
                        "'analytics.finance.refunds.table' is public.refunds, which does not"
                                + " exist in Postgres (analytics.revenue_daily)",
                        "'pii.columns' hashes public.orders.order_id but not"
                                + " public.refunds.order_id: hash both or neither, or no refund"
                                + " would meet its order (analytics.revenue_daily)");
    }

    @Test
    void theSubscriptionsTableIsCheckedTheSameWay() {
        PgTable subscriptions =
                new PgTable(
                        new TableId("public", "subscriptions"),
                        List.of(
                                new PgColumn("subscription_id", "bigint", false, true, 1),
                                new PgColumn("user_id", "bigint", false, true, 2),
                                new PgColumn("mrr", "numeric(10,2)", false, false, 0),
                                new PgColumn("started_at", "date", false, false, 0)));
        Map<String, Object> v = values();
        v.put("postgres.tables", List.of("public.events", "public.subscriptions"));
        assertThat(
                        FinanceSourceCheck.mrrProblems(
                                SluiceConfig.of(v), Optional.of(subscriptions), Set.of("mrr")))
                .containsExactly(
                        "'analytics.finance.subscriptions.columns.mrr' is mrr, a generated column"
                                + " of public.subscriptions, which logical replication does not"
                                + " deliver before Postgres 18",
                        "'analytics.finance.subscriptions.columns.canceled-at' is canceled_at,"
                                + " but public.subscriptions has no such column",
                        "'analytics.finance.subscriptions.columns.subscription-id' is"
                                + " subscription_id, but the primary key of public.subscriptions"
                                + " is (subscription_id, user_id): a deleted row carries only its"
                                + " key, so the id must be the whole primary key"
                                + " (analytics.mrr_daily)");
        assertThat(FinanceSourceCheck.mrrProblems(SluiceConfig.of(v), Optional.empty(), Set.of()))
                .containsExactly(
                        "'analytics.finance.subscriptions.table' is public.subscriptions, which"
                                + " does not exist in Postgres (analytics.mrr_daily)");
    }
}
