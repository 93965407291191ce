package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How an orders or refunds change is read: exact amounts, UTC days, and unusable rows' reasons. */
class RevenueSchemaTest {
    static final RevenueSchema S = RevenueWorkload.SCHEMA;
    static final long DAY = LocalDate.parse("2026-03-02").toEpochDay();

    static Map<String, Object> order(Object createdAt, Object status, Object amount, Object cur) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("order_id", 42L);
        v.put("created_at", createdAt);
        v.put("status", status);
        v.put("amount", amount);
        v.put("currency", cur);
        return v;
    }

    static RevenueSchema.Read<OrderState> read(Map<String, Object> v) {
        return S.order(new ChangeRecord(RevenueWorkload.ORDERS, Op.INSERT, v, Set.of(), 7), null);
    }

    @Test
    void readsAnOrdersDayAmountAndWhetherItCounts() {
        Instant late = Instant.parse("2026-03-02T23:59:59.999999Z");
        assertThat(read(order(late, "paid", new BigDecimal("12.34"), "EUR")).value())
                .as("the UTC day; 12.34 is 123,400 units")
                .isEqualTo(new OrderState(DAY, "EUR", "paid", 123_400, true));
        assertThat(
                        read(order(LocalDateTime.parse("2026-03-02T00:00"), "pending", 7L, "USD"))
                                .value())
                .as("a timestamp without time zone is UTC; an integer amount; an excluded status")
                .isEqualTo(new OrderState(DAY, "USD", "pending", 70_000, false));
        assertThat(read(order(LocalDate.parse("2026-03-02"), null, "0.0001", "USD")).value())
                .as("a date; digits in text; a NULL status is not counted")
                .isEqualTo(new OrderState(DAY, "USD", null, 1, false));
        assertThat(read(order(late, "paid", 19.99, "USD")).value().amount)
                .as("a double is read through its decimal text, exactly")
                .isEqualTo(199_900);
        assertThat(read(order(late, "paid", new BigDecimal("-5.5000"), "USD")).value().amount)
                .isEqualTo(-55_000);
    }

    @Test
    void unusableOrdersSayWhy() {
        Instant t = Instant.parse("2026-03-02T10:00:00Z");
        assertThat(read(order(null, "paid", BigDecimal.ONE, "USD")).reason())
                .isEqualTo("created_at is NULL");
        assertThat(read(order("yesterday", "paid", BigDecimal.ONE, "USD")).reason())
                .isEqualTo("created_at 'yesterday' is not a time");
        assertThat(read(order(t, "paid", null, "USD")).reason()).isEqualTo("amount is NULL");
        assertThat(read(order(t, "paid", "12,50", "USD")).reason())
                .isEqualTo("amount '12,50' is not a number");
        assertThat(read(order(t, "paid", Double.NaN, "USD")).reason())
                .isEqualTo("amount NaN is not a number");
        assertThat(read(order(t, "paid", new BigDecimal("0.00001"), "USD")).reason())
                .isEqualTo("amount 0.00001 has more than 4 decimal places");
        assertThat(read(order(t, "paid", new BigDecimal("100000000000000"), "USD")).reason())
                .isEqualTo("amount 100000000000000 is beyond Decimal(18, 4)");
        assertThat(read(order(t, "paid", new BigDecimal("99999999999999.9999"), "USD")).value())
                .isNotNull();
        assertThat(read(order(t, "paid", BigDecimal.ONE, " ")).reason())
                .isEqualTo("currency is NULL or empty");
        assertThat(read(order(t, "paid", BigDecimal.ONE, null)).reason())
                .isEqualTo("currency is NULL or empty");
    }

    @Test
    void aColumnAnUpdateDidNotResendKeepsItsValue() {
        OrderState before = new OrderState(DAY, "EUR", "paid", 10_000, true);
        Map<String, Object> v = order(Instant.parse("2026-03-05T10:00:00Z"), null, 2L, "EUR");
        v.remove("status");
        ChangeRecord toasted =
                new ChangeRecord(RevenueWorkload.ORDERS, Op.UPDATE, v, Set.of("status"), 8);
        assertThat(S.order(toasted, before).value())
                .isEqualTo(new OrderState(DAY + 3, "EUR", "paid", 20_000, true));
        assertThat(S.order(toasted, null).reason())
                .isEqualTo("status is an unchanged TOAST value and the row before it is not known");
    }

    @Test
    void readsARefundAndSaysWhyOneIsUnusable() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("refund_id", 9L);
        v.put("order_id", 42L);
        v.put("amount", new BigDecimal("3.10"));
        v.put("refunded_at", Instant.parse("2026-03-02T08:00:00Z"));
        ChangeRecord c = new ChangeRecord(RevenueWorkload.REFUNDS, Op.INSERT, v, Set.of(), 9);
        assertThat(S.refundKey(c)).isEqualTo("9");
        assertThat(S.refund(c, null).value()).isEqualTo(new RefundState("42", DAY, 31_000));
        v.put("order_id", null);
        assertThat(
                        S.refund(
                                        new ChangeRecord(
                                                RevenueWorkload.REFUNDS, Op.INSERT, v, Set.of(), 9),
                                        null)
                                .reason())
                .isEqualTo("order_id is NULL or empty");
        assertThat(
                        S.orderKey(
                                new ChangeRecord(
                                        RevenueWorkload.ORDERS,
                                        Op.DELETE,
                                        Map.of("other", 1),
                                        Set.of(),
                                        1)))
                .as("no id: the empty key, whose changes become dead letters")
                .isEmpty();
    }
}
