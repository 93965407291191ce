package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.TableId;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Random changes of an orders and a refunds table, as the source delivers them, and the tables as
 * they stand after them: a snapshot (both tables at one LSN, refunds before and after their
 * orders), then inserts, in-place updates (status, amount, currency, day; now and then without
 * resending a TOASTed status), deletes and re-inserts of orders; refunds of known orders, of orders
 * still to come and of orders that never come, refund edits and moves to another order, deletes;
 * unusable rows and their fixes.
 *
 * <p>{@link #expected} is docs/finance.md's definition (the SQL) applied to the tables as they
 * stand, written here with BigDecimal, apart from the job's code.
 */
final class RevenueWorkload {
    static final TableId ORDERS = new TableId("public", "orders");
    static final TableId REFUNDS = new TableId("public", "refunds");
    static final Set<String> EXCLUDED = Set.of("pending", "canceled", "cancelled", "failed");
    static final RevenueSchema SCHEMA =
            new RevenueSchema(
                    ORDERS,
                    "order_id",
                    "created_at",
                    "status",
                    "amount",
                    "currency",
                    EXCLUDED,
                    REFUNDS,
                    "refund_id",
                    "order_id",
                    "amount",
                    "refunded_at");

    private static final String[] STATUSES = {
        "paid", "paid", "paid", "shipped", "refunded", "pending", "canceled", "cancelled", "failed"
    };
    private static final String[] CURRENCIES = {"USD", "EUR", "JPY"};
    private static final Instant START = Instant.parse("2026-03-01T00:00:00Z");
    private static final int DAYS = 4;
    private static final BigDecimal LIMIT = new BigDecimal("100000000000000"); // 10^14

    private final Random random;
    long lsn = 1_000;

    /** The tables as they stand: id → the row's values. */
    final Map<Long, Map<String, Object>> orders = new TreeMap<>();

    final Map<Long, Map<String, Object>> refunds = new TreeMap<>();
    private final List<Long> deletedOrders = new ArrayList<>();
    private long nextOrder = 1;
    private long nextRefund = 1;

    /** For a refunds change: the refund as the definition reads it before and after (or null). */
    RefundState refundBefore;

    RefundState refundAfter;

    RevenueWorkload(long seed) {
        this.random = new Random(seed);
    }

    /** The initial snapshot: {@code n} rows of both tables, all at one LSN, shuffled. */
    List<ChangeRecord> snapshot(int n) {
        lsn += 10;
        List<ChangeRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(3) == 0) {
                long id = nextRefund++;
                Map<String, Object> row = refundRow(id);
                refunds.put(id, row);
                out.add(new ChangeRecord(REFUNDS, Op.SNAPSHOT, row, Set.of(), lsn));
            } else {
                long id = nextOrder++;
                Map<String, Object> row = orderRow(id);
                orders.put(id, row);
                out.add(new ChangeRecord(ORDERS, Op.SNAPSHOT, row, Set.of(), lsn));
            }
        }
        Collections.shuffle(out, random);
        return out;
    }

    /** One random change, applied to the tables. */
    ChangeRecord next() {
        lsn += 1 + random.nextInt(5);
        refundBefore = null;
        refundAfter = null;
        int what = random.nextInt(100);
        if (what < 18 || orders.isEmpty()) {
            long id = nextOrder++;
            return putOrder(Op.INSERT, id, orderRow(id));
        }
        if (what < 48) {
            long id = pick(orders);
            Map<String, Object> row = new LinkedHashMap<>(orders.get(id));
            if (what < 30) {
                row.put("status", STATUSES[random.nextInt(STATUSES.length)]);
            } else if (what < 37) {
                row.put("amount", amount());
            } else if (what < 41) {
                row.put("currency", CURRENCIES[random.nextInt(CURRENCIES.length)]);
            } else if (what < 44) {
                row.put("created_at", time());
            } else if (validOrder(orders.get(id))) {
                // The status not resent (a TOASTed value the update left alone): it stays.
                row.put("amount", amount());
                Object status = row.remove("status");
                orders.put(id, withValue(row, "status", status));
                return new ChangeRecord(ORDERS, Op.UPDATE, row, Set.of("status"), lsn);
            }
            return putOrder(Op.UPDATE, id, row);
        }
        if (what < 53) {
            long id = pick(orders);
            orders.remove(id);
            deletedOrders.add(id);
            return new ChangeRecord(ORDERS, Op.DELETE, Map.of("order_id", id), Set.of(), lsn);
        }
        if (what < 56 && !deletedOrders.isEmpty()) {
            long id = deletedOrders.remove(random.nextInt(deletedOrders.size()));
            return putOrder(Op.INSERT, id, orderRow(id));
        }
        if (what < 74 || refunds.isEmpty()) {
            long id = nextRefund++;
            return putRefund(Op.INSERT, id, refundRow(id));
        }
        if (what < 86) {
            long id = pick(refunds);
            Map<String, Object> row = new LinkedHashMap<>(refunds.get(id));
            int field = random.nextInt(3);
            if (field == 0) {
                row.put("amount", amount());
            } else if (field == 1) {
                row.put("refunded_at", time().plusSeconds(random.nextInt(2 * 86_400)));
            } else {
                row.put("order_id", refundOrder());
            }
            return putRefund(Op.UPDATE, id, row);
        }
        if (what < 92) {
            long id = pick(refunds);
            refundBefore = validRefund(refunds.remove(id));
            return new ChangeRecord(REFUNDS, Op.DELETE, Map.of("refund_id", id), Set.of(), lsn);
        }
        if (what < 98 || random.nextInt(4) > 0) {
            long id = nextOrder++;
            return putOrder(Op.INSERT, id, orderRow(id));
        }
        // Fixes: an unusable row made usable again.
        for (Map.Entry<Long, Map<String, Object>> o : orders.entrySet()) {
            if (!validOrder(o.getValue())) {
                return putOrder(Op.UPDATE, o.getKey(), goodOrderRow(o.getKey()));
            }
        }
        for (Map.Entry<Long, Map<String, Object>> r : refunds.entrySet()) {
            if (validRefund(r.getValue()) == null) {
                return putRefund(Op.UPDATE, r.getKey(), goodRefundRow(r.getKey()));
            }
        }
        long id = nextOrder++;
        return putOrder(Op.INSERT, id, orderRow(id));
    }

    /** Deletes of every row left, orders and refunds mixed. */
    List<ChangeRecord> deleteAll() {
        List<ChangeRecord> out = new ArrayList<>();
        for (ChangeRecord c = deleteNext(); c != null; c = deleteNext()) {
            out.add(c);
        }
        return out;
    }

    /** The delete of a random row left (of either table), or null when none is. */
    ChangeRecord deleteNext() {
        lsn++;
        refundBefore = null;
        refundAfter = null;
        if (orders.isEmpty() && refunds.isEmpty()) {
            return null;
        }
        if (refunds.isEmpty() || (!orders.isEmpty() && random.nextBoolean())) {
            long id = pick(orders);
            orders.remove(id);
            return new ChangeRecord(ORDERS, Op.DELETE, Map.of("order_id", id), Set.of(), lsn);
        }
        long id = pick(refunds);
        refundBefore = validRefund(refunds.remove(id));
        return new ChangeRecord(REFUNDS, Op.DELETE, Map.of("refund_id", id), Set.of(), lsn);
    }

    private ChangeRecord putOrder(Op op, long id, Map<String, Object> row) {
        orders.put(id, row);
        return new ChangeRecord(ORDERS, op, row, Set.of(), lsn);
    }

    private ChangeRecord putRefund(Op op, long id, Map<String, Object> row) {
        refundBefore = validRefund(refunds.get(id));
        refundAfter = validRefund(row);
        refunds.put(id, row);
        return new ChangeRecord(REFUNDS, op, row, Set.of(), lsn);
    }

    private static Map<String, Object> withValue(Map<String, Object> row, String k, Object v) {
        Map<String, Object> copy = new LinkedHashMap<>(row);
        copy.put(k, v);
        return copy;
    }

    private <T> long pick(Map<Long, T> rows) {
        List<Long> ids = new ArrayList<>(rows.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    private Map<String, Object> orderRow(long id) {
        Map<String, Object> v = goodOrderRow(id);
        if (random.nextInt(40) == 0) {
            v.put("status", null); // usable, not counted
        }
        if (random.nextInt(25) == 0) {
            switch (random.nextInt(6)) {
                case 0 -> v.put("amount", "12.5x");
                case 1 -> v.put("amount", null);
                case 2 -> v.put("amount", new BigDecimal("1.23456"));
                case 3 -> v.put("amount", new BigDecimal("100000000000000"));
                case 4 -> v.put("currency", random.nextBoolean() ? null : " ");
                default -> v.put("created_at", null);
            }
        }
        return v;
    }

    private Map<String, Object> goodOrderRow(long id) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("order_id", id);
        v.put("user_id", 1L + random.nextInt(50));
        Instant t = time();
        // Now and then a timestamp without time zone: UTC.
        v.put(
                "created_at",
                random.nextInt(10) == 0 ? LocalDateTime.ofInstant(t, ZoneOffset.UTC) : t);
        v.put("status", STATUSES[random.nextInt(STATUSES.length)]);
        v.put("amount", amount());
        v.put("currency", CURRENCIES[random.nextInt(CURRENCIES.length)]);
        v.put("items", List.of("sku-" + random.nextInt(9)));
        return v;
    }

    private Map<String, Object> refundRow(long id) {
        Map<String, Object> v = goodRefundRow(id);
        if (random.nextInt(25) == 0) {
            switch (random.nextInt(3)) {
                case 0 -> v.put("order_id", null);
                case 1 -> v.put("refunded_at", null);
                default -> v.put("amount", "n/a");
            }
        }
        return v;
    }

    private Map<String, Object> goodRefundRow(long id) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("refund_id", id);
        v.put("order_id", refundOrder());
        v.put("amount", amount());
        v.put("reason", "r" + random.nextInt(3));
        // Refunds come up to two days after the last orders: those days have refunds only.
        v.put("refunded_at", time().plusSeconds(random.nextInt(2 * 86_400)));
        return v;
    }

    /** Mostly a known order; now and then one still to come, or one that never comes. */
    private long refundOrder() {
        int r = random.nextInt(10);
        if (r < 7 && !orders.isEmpty()) {
            return pick(orders);
        }
        return r < 9 ? nextOrder + random.nextInt(4) : 1_000_000 + random.nextInt(3);
    }

    private Object amount() {
        return switch (random.nextInt(12)) {
            case 0 -> BigDecimal.ZERO.setScale(2);
            case 1 -> BigDecimal.valueOf(random.nextInt(2_000_000), 4); // numeric(p, 4)
            case 2 -> (long) random.nextInt(300); // an integer column
            default -> BigDecimal.valueOf(random.nextInt(100_000), 2);
        };
    }

    private Instant time() {
        return START.plusSeconds(random.nextInt(DAYS * 86_400))
                .plusNanos(1000L * random.nextInt(1000));
    }

    // --- the definition ------------------------------------------------------------------------

    /** An amount the definition accepts: a number with at most 4 places, below 10^14. */
    static BigDecimal amountOf(Object v) {
        BigDecimal d =
                v instanceof BigDecimal b ? b : v instanceof Long l ? BigDecimal.valueOf(l) : null;
        if (d == null || d.stripTrailingZeros().scale() > 4 || d.abs().compareTo(LIMIT) >= 0) {
            return null;
        }
        return d;
    }

    static LocalDate dayOf(Object v) {
        if (v instanceof Instant i) {
            return LocalDate.ofInstant(i, ZoneOffset.UTC);
        }
        return v instanceof LocalDateTime t ? t.toLocalDate() : null;
    }

    static boolean validOrder(Map<String, Object> o) {
        Object currency = o.get("currency");
        return dayOf(o.get("created_at")) != null
                && currency instanceof String c
                && !c.isBlank()
                && amountOf(o.get("amount")) != null;
    }

    /** A usable refund as the definition reads it (amount in units of 1/10,000), or null. */
    static RefundState validRefund(Map<String, Object> r) {
        if (r == null) {
            return null;
        }
        BigDecimal amount = amountOf(r.get("amount"));
        LocalDate day = dayOf(r.get("refunded_at"));
        if (r.get("order_id") == null || amount == null || day == null) {
            return null;
        }
        return new RefundState(
                r.get("order_id").toString(),
                day.toEpochDay(),
                amount.movePointRight(4).longValueExact());
    }

    /**
     * analytics.revenue_daily by its definition: per UTC day and currency, the counted orders
     * (usable, status not NULL and not excluded) and the sum of their amounts; the usable refunds
     * of usable orders on the refund's day in the order's currency; net = gross − refunds. A day
     * and currency with neither has no row. Each row as {@code day|currency →
     * orders|gross|refunds|net}, amounts without trailing zeros.
     */
    Map<String, String> expected() {
        Map<String, Object[]> rows = new TreeMap<>();
        for (Map<String, Object> o : orders.values()) {
            String status = (String) o.get("status");
            if (validOrder(o) && status != null && !EXCLUDED.contains(status)) {
                Object[] r = row(rows, dayOf(o.get("created_at")), (String) o.get("currency"));
                r[0] = (Long) r[0] + 1;
                r[1] = ((BigDecimal) r[1]).add(amountOf(o.get("amount")));
            }
        }
        for (Map<String, Object> refund : refunds.values()) {
            RefundState r = validRefund(refund);
            if (r == null) {
                continue;
            }
            Map<String, Object> o = orders.get(Long.parseLong(r.orderId));
            if (o != null && validOrder(o)) {
                Object[] row =
                        row(rows, dayOf(refund.get("refunded_at")), (String) o.get("currency"));
                row[2] = ((BigDecimal) row[2]).add(amountOf(refund.get("amount")));
            }
        }
        Map<String, String> out = new TreeMap<>();
        rows.forEach(
                (k, r) ->
                        out.put(
                                k,
                                r[0]
                                        + "|"
                                        + plain((BigDecimal) r[1])
                                        + "|"
                                        + plain((BigDecimal) r[2])
                                        + "|"
                                        + plain(((BigDecimal) r[1]).subtract((BigDecimal) r[2]))));
        return out;
    }

    private static Object[] row(Map<String, Object[]> rows, LocalDate day, String currency) {
        return rows.computeIfAbsent(
                day + "|" + currency, k -> new Object[] {0L, BigDecimal.ZERO, BigDecimal.ZERO});
    }

    static String plain(BigDecimal d) {
        return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
    }

    /** The dead letters the tables leave: every unusable row, as {@code table|id}. */
    Set<String> expectedDeadLetters() {
        Set<String> out = new java.util.TreeSet<>();
        orders.forEach(
                (id, o) -> {
                    if (!validOrder(o)) {
                        out.add(ORDERS + "|" + id);
                    }
                });
        refunds.forEach(
                (id, r) -> {
                    if (validRefund(r) == null) {
                        out.add(REFUNDS + "|" + id);
                    }
                });
        return out;
    }
}
