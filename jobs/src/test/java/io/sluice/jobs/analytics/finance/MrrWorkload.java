package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecord.Op;
import io.sluice.common.config.TableId;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Random changes of a subscriptions table, as the source delivers them, and the table as it stands
 * after them: a snapshot at one LSN (its earliest start a subscription never active), then new
 * subscriptions, MRR changes, cancellations and their undoing, moved starts, subscriptions moved to
 * another customer, deletes, unusable rows and their fixes. {@link #expected} is docs/finance.md's
 * definition of analytics.mrr_daily applied to the table day by day, written here apart from the
 * job's code.
 */
final class MrrWorkload {
    static final TableId SUBSCRIPTIONS = new TableId("public", "subscriptions");
    static final MrrSchema SCHEMA =
            new MrrSchema(
                    SUBSCRIPTIONS,
                    "subscription_id",
                    "user_id",
                    "mrr",
                    "started_at",
                    "canceled_at");

    /** The first day subscriptions start on. */
    static final LocalDate D0 = LocalDate.parse("2026-01-01");

    private final Random random;
    long lsn = 1_000;
    final Map<Long, Map<String, Object>> subscriptions = new TreeMap<>();
    private long nextId = 1;

    MrrWorkload(long seed) {
        this.random = new Random(seed);
    }

    List<ChangeRecord> snapshot(int n) {
        lsn += 10;
        List<ChangeRecord> out = new ArrayList<>();
        // The first start is a subscription never active (canceled the day it started): the days
        // reported begin there, with nothing active, until it is deleted or edited.
        long never = nextId++;
        Map<String, Object> first = goodRow(never);
        first.put("started_at", D0.minusDays(3));
        first.put("canceled_at", D0.minusDays(3));
        subscriptions.put(never, first);
        out.add(new ChangeRecord(SUBSCRIPTIONS, Op.SNAPSHOT, first, Set.of(), lsn));
        for (int i = 0; i < n; i++) {
            long id = nextId++;
            Map<String, Object> row = row(id);
            subscriptions.put(id, row);
            out.add(new ChangeRecord(SUBSCRIPTIONS, Op.SNAPSHOT, row, Set.of(), lsn));
        }
        Collections.shuffle(out, random);
        return out;
    }

    ChangeRecord next() {
        lsn += 1 + random.nextInt(5);
        int what = random.nextInt(100);
        if (what < 25 || subscriptions.isEmpty()) {
            long id = nextId++;
            return put(Op.INSERT, id, row(id));
        }
        long id = pick();
        Map<String, Object> row = new LinkedHashMap<>(subscriptions.get(id));
        if (what < 45) {
            row.put("mrr", mrr()); // an upgrade or a downgrade
        } else if (what < 57) {
            LocalDate start = (LocalDate) row.get("started_at");
            row.put("canceled_at", (start == null ? D0 : start).plusDays(random.nextInt(40)));
        } else if (what < 62) {
            row.put("canceled_at", null);
        } else if (what < 67) {
            row.put("started_at", D0.plusDays(random.nextInt(60)));
        } else if (what < 72) {
            row.put("user_id", 1L + random.nextInt(60));
        } else if (what < 84) {
            subscriptions.remove(id);
            return new ChangeRecord(
                    SUBSCRIPTIONS, Op.DELETE, Map.of("subscription_id", id), Set.of(), lsn);
        } else if (what < 87) {
            switch (random.nextInt(4)) {
                case 0 -> row.put("mrr", "abc");
                case 1 -> row.put("started_at", null);
                case 2 -> row.put("user_id", null);
                default -> row.put("canceled_at", "soon");
            }
        } else {
            for (Map.Entry<Long, Map<String, Object>> s : subscriptions.entrySet()) {
                if (!valid(s.getValue())) {
                    return put(Op.UPDATE, s.getKey(), goodRow(s.getKey()));
                }
            }
            long fresh = nextId++;
            return put(Op.INSERT, fresh, row(fresh));
        }
        return put(Op.UPDATE, id, row);
    }

    /** Deletes of every subscription left. */
    List<ChangeRecord> deleteAll() {
        List<ChangeRecord> out = new ArrayList<>();
        for (Long id : new ArrayList<>(subscriptions.keySet())) {
            lsn++;
            subscriptions.remove(id);
            out.add(
                    new ChangeRecord(
                            SUBSCRIPTIONS,
                            Op.DELETE,
                            Map.of("subscription_id", id),
                            Set.of(),
                            lsn));
        }
        return out;
    }

    private ChangeRecord put(Op op, long id, Map<String, Object> row) {
        subscriptions.put(id, row);
        return new ChangeRecord(SUBSCRIPTIONS, op, row, Set.of(), lsn);
    }

    private long pick() {
        List<Long> ids = new ArrayList<>(subscriptions.keySet());
        return ids.get(random.nextInt(ids.size()));
    }

    private Map<String, Object> row(long id) {
        Map<String, Object> v = goodRow(id);
        if (random.nextInt(30) == 0) {
            v.put("mrr", random.nextBoolean() ? null : "12.3.4");
        }
        return v;
    }

    private Map<String, Object> goodRow(long id) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("subscription_id", id);
        v.put("user_id", 1L + random.nextInt(60));
        v.put("plan", "p" + random.nextInt(3));
        v.put("mrr", mrr());
        LocalDate start = D0.plusDays(random.nextInt(60));
        v.put("started_at", start);
        int end = random.nextInt(10);
        v.put(
                "canceled_at",
                end < 6 ? null : end < 9 ? start.plusDays(1 + random.nextInt(30)) : start);
        return v;
    }

    private BigDecimal mrr() {
        return random.nextInt(20) == 0
                ? BigDecimal.ZERO.setScale(2)
                : BigDecimal.valueOf(100 + random.nextInt(50_000), 2);
    }

    // --- the definition ------------------------------------------------------------------------

    static boolean valid(Map<String, Object> s) {
        Object canceled = s.get("canceled_at");
        return s.get("user_id") != null
                && s.get("started_at") instanceof LocalDate
                && (canceled == null || canceled instanceof LocalDate)
                && s.get("mrr") instanceof BigDecimal;
    }

    private static boolean active(Map<String, Object> s, LocalDate d) {
        LocalDate canceled = (LocalDate) s.get("canceled_at");
        return !((LocalDate) s.get("started_at")).isAfter(d)
                && (canceled == null || d.isBefore(canceled));
    }

    /** A customer's MRR on a day: the sum over their subscriptions active that day. */
    private static BigDecimal customerMrr(List<Map<String, Object>> subs, LocalDate d) {
        BigDecimal sum = BigDecimal.ZERO;
        for (Map<String, Object> s : subs) {
            if (active(s, d)) {
                sum = sum.add((BigDecimal) s.get("mrr"));
            }
        }
        return sum;
    }

    /**
     * analytics.mrr_daily by its definition, for every day from the first start to {@code
     * clockDay}: {@code day → mrr|new|expansion|contraction|churned|active}, amounts without
     * trailing zeros.
     */
    Map<String, String> expected(LocalDate clockDay) {
        Map<Object, List<Map<String, Object>>> byCustomer = new TreeMap<>();
        LocalDate first = null;
        for (Map<String, Object> s : subscriptions.values()) {
            if (valid(s)) {
                byCustomer.computeIfAbsent(s.get("user_id"), k -> new ArrayList<>()).add(s);
                LocalDate start = (LocalDate) s.get("started_at");
                first = first == null || start.isBefore(first) ? start : first;
            }
        }
        Map<String, String> out = new TreeMap<>();
        for (LocalDate d = first; d != null && !d.isAfter(clockDay); d = d.plusDays(1)) {
            BigDecimal[] sums = {
                BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO, BigDecimal.ZERO
            };
            long active = 0;
            for (List<Map<String, Object>> subs : byCustomer.values()) {
                BigDecimal now = customerMrr(subs, d);
                BigDecimal before = customerMrr(subs, d.minusDays(1));
                sums[0] = sums[0].add(now);
                int n = now.signum();
                int b = before.signum();
                if (b == 0 && n > 0) {
                    sums[1] = sums[1].add(now);
                } else if (b > 0 && now.compareTo(before) > 0) {
                    sums[2] = sums[2].add(now.subtract(before));
                } else if (b > 0 && n > 0 && now.compareTo(before) < 0) {
                    sums[3] = sums[3].add(before.subtract(now));
                } else if (b > 0 && n == 0) {
                    sums[4] = sums[4].add(before);
                }
                for (Map<String, Object> s : subs) {
                    active += active(s, d) ? 1 : 0;
                }
            }
            StringBuilder row = new StringBuilder();
            for (BigDecimal v : sums) {
                row.append(RevenueWorkload.plain(v)).append('|');
            }
            out.put(d.toString(), row.append(active).toString());
        }
        return out;
    }

    /** The dead letters the table leaves: every unusable row's id. */
    List<String> expectedDeadLetters() {
        List<String> out = new ArrayList<>();
        subscriptions.forEach(
                (id, s) -> {
                    if (!valid(s)) {
                        out.add(SUBSCRIPTIONS + "|" + id);
                    }
                });
        return out;
    }
}
