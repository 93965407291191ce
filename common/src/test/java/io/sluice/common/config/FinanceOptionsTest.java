package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The finance options: each value checked where it is declared, and the revenue rollup on with both
 * tables captured, off with neither, refused with one.
 */
class FinanceOptionsTest {
    private static Map<String, Object> values(List<String> tables) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", tables);
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        return v;
    }

    @Test
    void defaultsNameTheSampleSchema() {
        SluiceConfig c = SluiceConfig.of(values(List.of("public.events")));
        assertThat(c.get(FinanceOptions.ORDERS_TABLE)).isEqualTo("public.orders");
        assertThat(c.get(FinanceOptions.REFUNDS_TABLE)).isEqualTo("public.refunds");
        assertThat(c.get(FinanceOptions.ORDERS_EXCLUDED_STATUSES))
                .containsExactly("pending", "canceled", "cancelled", "failed");
        assertThat(c.get(FinanceOptions.REFUNDS_REFUNDED_AT)).isEqualTo("refunded_at");
    }

    @Test
    void badValuesAreReportedTogetherWithTheirKeys() {
        Map<String, Object> v = values(List.of("public.events"));
        v.put("analytics.finance.orders.table", "not a table");
        v.put("analytics.finance.refunds.table", "a.b.c");
        v.put("analytics.finance.orders.columns.amount", " ");
        v.put("analytics.finance.refunds.columns.refunded-at", "");
        v.put("analytics.finance.orders.excluded-statuses", List.of("pending", " "));
        assertThatThrownBy(() -> SluiceConfig.of(v))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .containsExactlyInAnyOrder(
                                                "'analytics.finance.orders.table' must be a table"
                                                        + " name (schema.table or table), got 'not"
                                                        + " a table'",
                                                "'analytics.finance.orders.columns.amount' must"
                                                        + " name a column, got ' '",
                                                "'analytics.finance.orders.excluded-statuses'"
                                                        + " entry ' ' must be a status, not blank",
                                                "'analytics.finance.refunds.table' must be a table"
                                                        + " name (schema.table or table), got"
                                                        + " 'a.b.c'",
                                                "'analytics.finance.refunds.columns.refunded-at'"
                                                        + " must name a column, got ''"));
    }

    @Test
    void revenueRunsWithBothTablesAndNotWithNeither() {
        assertThat(
                        FinanceOptions.revenueEnabled(
                                SluiceConfig.of(
                                        values(
                                                List.of(
                                                        "public.events",
                                                        "orders",
                                                        "public.refunds")))))
                .isTrue();
        assertThat(FinanceOptions.revenueEnabled(SluiceConfig.of(values(List.of("events")))))
                .isFalse();
        Map<String, Object> mapped = values(List.of("billing.orders", "billing.refunds"));
        mapped.put("analytics.finance.orders.table", "billing.orders");
        mapped.put("analytics.finance.refunds.table", "billing.refunds");
        assertThat(FinanceOptions.revenueEnabled(SluiceConfig.of(mapped))).isTrue();
    }

    @Test
    void oneTableCapturedWithoutTheOtherIsRefused() {
        assertThatThrownBy(
                        () ->
                                FinanceOptions.revenueEnabled(
                                        SluiceConfig.of(
                                                values(List.of("public.events", "public.orders")))))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .containsExactly(
                                                "'analytics.finance.orders.table' (public.orders)"
                                                        + " is in 'postgres.tables' but"
                                                        + " 'analytics.finance.refunds.table'"
                                                        + " (public.refunds) is not:"
                                                        + " analytics.revenue_daily needs both"
                                                        + " (refunds are netted against the"
                                                        + " orders' gross). Capture both, or"
                                                        + " neither to run without it"));
        assertThatThrownBy(
                        () ->
                                FinanceOptions.revenueEnabled(
                                        SluiceConfig.of(values(List.of("public.refunds")))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'analytics.finance.refunds.table' (public.refunds) is in");
    }

    @Test
    void aMappingThatContradictsItselfIsRefused() {
        Map<String, Object> v = values(List.of("public.orders", "public.refunds"));
        v.put("analytics.finance.orders.columns.status", "currency");
        v.put("analytics.finance.refunds.columns.amount", "refund_id");
        assertThat(FinanceOptions.revenueProblems(SluiceConfig.of(v)))
                .containsExactly(
                        "'analytics.finance.orders.columns.status' and"
                                + " 'analytics.finance.orders.columns.currency' both name the"
                                + " orders column currency: each must name its own column",
                        "'analytics.finance.refunds.columns.refund-id' and"
                                + " 'analytics.finance.refunds.columns.amount' both name the"
                                + " refunds column refund_id: each must name its own column");
        Map<String, Object> same = values(List.of("public.orders"));
        same.put("analytics.finance.refunds.table", "orders");
        assertThat(FinanceOptions.revenueProblems(SluiceConfig.of(same)))
                .containsExactly(
                        "'analytics.finance.orders.table' and 'analytics.finance.refunds.table'"
                                + " are both public.orders: orders and refunds must be two"
                                + " tables");
    }

    @Test
    void mrrRunsWithTheSubscriptionsTableCaptured() {
        assertThat(FinanceOptions.mrrEnabled(SluiceConfig.of(values(List.of("public.events")))))
                .isFalse();
        Map<String, Object> v = values(List.of("public.events", "subscriptions"));
        assertThat(FinanceOptions.mrrEnabled(SluiceConfig.of(v))).isTrue();
        assertThat(SluiceConfig.of(v).get(FinanceOptions.SUBSCRIPTIONS_CUSTOMER_ID))
                .isEqualTo("user_id");
        v.put("analytics.finance.subscriptions.columns.canceled-at", "started_at");
        assertThatThrownBy(() -> FinanceOptions.mrrEnabled(SluiceConfig.of(v)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "'analytics.finance.subscriptions.columns.started-at' and"
                                + " 'analytics.finance.subscriptions.columns.canceled-at' both"
                                + " name the subscriptions column started_at");
    }
}
