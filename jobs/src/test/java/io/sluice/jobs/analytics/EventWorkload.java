package io.sluice.jobs.analytics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A product-events workload over three simulated days ending at {@code end}: the first two are
 * written before the job starts (its snapshot), the third is streamed in steps while it runs. It
 * knows which rows it made too late and records them in {@code expected_late}; everything else the
 * oracle derives by SQL from the tables themselves.
 *
 * <p>Lateness is unambiguous by construction (job settings: out-of-orderness 5 min, repair horizon
 * 1 d): ordinary events move forward with less than 2 minutes of jitter; out-of-order ones are at
 * most 40 minutes behind the newest time streamed; repairs (new events, corrections and deletes of
 * streamed events) are 2 to 20 hours behind, beyond what windows, sessions and days would wait for
 * but within the repair horizon; late ones at least 30 hours behind; the other corrections and
 * deletes touch only events of the last 20 minutes and keep them there.
 *
 * <p>Orders and refunds (analytics.revenue_daily) come with it, from a random stream of their own
 * so a seed's events stay as they were: orders over the history, a tenth of them refunded, and
 * refunds of orders still to come; then in each step new orders (pending or paid), pending orders
 * paid, canceled or failed, amounts and now and then currencies corrected, refunds of earlier
 * orders (a full one marks the order refunded), refund corrections, refunds before their order, and
 * deletes of a few orders and refunds. Revenue has no event time, so none of it is late.
 */
public final class EventWorkload {
    private static final String[] NAMES = {
        "page_view",
        "page_view",
        "page_view",
        "click",
        "click",
        "search",
        "feature_used",
        "invite_sent",
        "purchase",
        "api_request",
        "api_request"
    };

    /** Request statuses: mostly fine, some server errors (one as a string), some not a number. */
    private static final String[] STATUSES = {
        "200", "200", "200", "200", "201", "404", "500", "503", "\"502\"", "\"ok\""
    };

    private static final String[] PLANS = {"free", "pro", "team"};
    private static final String[] ENDPOINTS = {"orders", "users", "search"};
    private static final int USERS = 1500;
    private static final int BRIDGE_USERS = 100; // users 1401..1500: only bridging sessions
    private static final int BOTS = 3; // users 1..3: an event every 10 minutes, all the time

    private final Connection pg;
    private final Random random;
    private final Instant start;
    private final Instant end;
    private final Instant streamStart;
    private Instant head;
    private Instant nextBot;
    private long written;
    private int steps;
    private final Deque<Object[]> recent = new ArrayDeque<>();
    private final List<Object[]> pendingBridges = new ArrayList<>();
    private final List<String> invalidIds = new ArrayList<>();

    /** Streamed ordinary events, for repairs hours later (a bounded random sample). */
    private final List<Object[]> streamed = new ArrayList<>();

    private static final String[] CURRENCIES = {"USD", "EUR", "GBP"};
    private final Random money;
    private long lastOrder;
    private long lastRefund;
    private final List<Long> pendingOrders = new ArrayList<>();
    private final List<Long> paidOrders = new ArrayList<>();
    private final List<Long> liveOrders = new ArrayList<>();
    private final List<Long> liveRefunds = new ArrayList<>();
    private long lastSubscription;
    private final List<Long> liveSubscriptions = new ArrayList<>();

    public EventWorkload(Connection pg, long seed, Instant end) {
        this.pg = pg;
        this.random = new Random(seed);
        this.money = new Random(seed * 31 + 7);
        this.end = end;
        this.start = end.minus(Duration.ofDays(3));
        this.streamStart = start.plus(Duration.ofDays(2));
        this.head = streamStart;
        this.nextBot = start;
    }

    public void createTables() throws Exception {
        try (Statement st = pg.createStatement()) {
            st.execute(Files.readString(Path.of("..", "sql", "postgres", "01_schema.sql")));
            st.execute("CREATE TABLE expected_late (event_id uuid PRIMARY KEY)");
            StringBuilder users =
                    new StringBuilder(
                            "INSERT INTO users (user_id, email, plan, created_at) VALUES ");
            for (int u = 1; u <= USERS; u++) {
                // Sign-ups over the 11 weeks before the history (retention by signup).
                Instant signedUp = start.minusSeconds(random.nextInt(77 * 86_400));
                users.append(u == 1 ? "" : ",")
                        .append("(")
                        .append(u)
                        .append(", 'user")
                        .append(u)
                        .append("@example.com', '")
                        .append(PLANS[u % 3])
                        .append("', '")
                        .append(signedUp)
                        .append("')");
            }
            st.execute(users.toString());
        }
    }

    public long totalEvents() {
        return written;
    }

    /** True once less than one step of simulated time is left before {@code end}. */
    boolean finished() {
        return head.plus(Duration.ofMinutes(14)).isAfter(end);
    }

    /** The first two days, before the job starts: about {@code events} rows. */
    public void writeHistory(int events) throws SQLException {
        pg.setAutoCommit(false);
        try (PreparedStatement ps = upsert()) {
            Instant historyEnd = streamStart;
            long spanSeconds = Duration.between(start, historyEnd).toSeconds();
            int n = 0;
            int flushed = 0;
            while (n < events) {
                long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
                Instant t = start.plusSeconds((long) (random.nextDouble() * (spanSeconds - 7200)));
                n += visit(ps, user, t);
                if (random.nextInt(100) == 0) {
                    n += invalid(ps, t);
                }
                if (n - flushed >= 5000) {
                    ps.executeBatch();
                    flushed = n;
                }
            }
            n += bots(ps, historyEnd);
            orderHistory(events / 100, historyEnd);
            subscriptionHistory(events / 300, historyEnd);
            // A sparse past: visits over the 11 weeks before, so cohorts span weeks and users
            // return in later ones (retention_weekly, feature_adoption_weekly).
            long pastSeconds = Duration.ofDays(77).toSeconds();
            for (int i = 0; i < events / 100; i++) {
                long user = 1 + BOTS + random.nextInt((USERS - BOTS - BRIDGE_USERS) / 2);
                n +=
                        visit(
                                ps,
                                user,
                                start.minusSeconds((long) (random.nextDouble() * pastSeconds)));
            }
            ps.executeBatch();
        }
        pg.commit();
        pg.setAutoCommit(true);
    }

    /** One streaming step: about {@code events} rows, in one transaction, in the order given. */
    /** Something a test does to a server or job between two steps of {@link #streamWithFaults}. */
    public interface Fault {
        void inject() throws Exception;
    }

    /**
     * Twelve steps of 300 events, 20 users' e-mails changed every fourth step, paced so that they
     * stream while the jobs run; after step {@code n}, the fault {@code faults.get(n)}.
     */
    public void streamWithFaults(java.util.Map<Integer, Fault> faults) throws Exception {
        for (int step = 0; step < 12; step++) {
            streamStep(300);
            if (step % 4 == 0) {
                updateUserEmails(20);
            }
            Fault fault = faults.get(step);
            if (fault != null) {
                fault.inject();
            }
            Thread.sleep(300); // paces the workload so it streams while the jobs run
        }
    }

    public void streamStep(int events) throws SQLException {
        pg.setAutoCommit(false);
        Instant stepEnd = head.plus(Duration.ofMinutes(14));
        try (PreparedStatement ps = upsert()) {
            // Ordinary traffic: visits inside this step's slice, sorted with < 2 min of jitter.
            List<Object[]> rows = new ArrayList<>();
            while (rows.size() < events * 9 / 10) {
                long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
                Instant t = head.plusSeconds(random.nextInt(14 * 60));
                int k = 1 + random.nextInt(6);
                for (int i = 0; i < k; i++) {
                    rows.add(
                            event(
                                    user,
                                    t,
                                    i == 0
                                            ? "session_start"
                                            : i == k - 1 && random.nextBoolean()
                                                    ? "session_end"
                                                    : null));
                    t = t.plusSeconds(30 + random.nextInt(200));
                }
            }
            rows.sort(
                    (a, b) ->
                            Long.compare(
                                    ((Instant) a[2]).getEpochSecond() + ((Integer) a[5]),
                                    ((Instant) b[2]).getEpochSecond() + ((Integer) b[5])));
            Instant newest = head;
            for (Object[] r : rows) {
                if (((Instant) r[2]).isAfter(stepEnd.plus(Duration.ofMinutes(1)))
                        || ((Instant) r[2]).isAfter(end)) {
                    // Bounds the head's jump per step, and keeps every event in the past (a
                    // future one beyond the allowed skew would be a dead letter).
                    continue;
                }
                add(ps, r);
                keepForRepairs(r);
                if (((Instant) r[2]).isAfter(newest)) {
                    newest = (Instant) r[2];
                }
            }
            ps.executeBatch();
            head = newest;
            bots(ps, head);
            // Out of order but on time: 10 to 40 minutes behind the head.
            for (int i = 0; i < events / 50; i++) {
                long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
                add(ps, event(user, head.minusSeconds(600 + random.nextInt(1800)), null));
            }
            // Sessions that an out-of-order event will bridge in the next step: A and B 36
            // minutes apart now, C between them next step (then at most 40 minutes behind).
            for (Object[] bridge : pendingBridges) {
                add(ps, event((Long) bridge[0], (Instant) bridge[1], "click"));
            }
            pendingBridges.clear();
            for (int i = 0; i < 3; i++) {
                long user = USERS - BRIDGE_USERS + 1 + random.nextInt(BRIDGE_USERS);
                Instant a = head.minusSeconds(38 * 60);
                Instant b = head.minusSeconds(2 * 60);
                add(ps, event(user, a, "session_start"));
                add(ps, event(user, b, "page_view"));
                pendingBridges.add(new Object[] {user, head.minusSeconds(20 * 60)});
            }
            repairs(ps, events / 100);
            // Too late: at least 30 hours behind. Not in the first step (no watermark yet).
            if (steps > 0) {
                for (int i = 0; i < events / 200; i++) {
                    long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
                    Object[] r =
                            event(
                                    user,
                                    head.minusSeconds(30 * 3600 + random.nextInt(24 * 3600)),
                                    null);
                    add(ps, r);
                    try (PreparedStatement late =
                            pg.prepareStatement("INSERT INTO expected_late VALUES (?)")) {
                        late.setObject(1, r[0]);
                        late.executeUpdate();
                    }
                    recent.remove(r);
                }
            }
            for (int i = 0; i < events / 200; i++) {
                invalid(ps, head.minusSeconds(random.nextInt(600)));
            }
            ps.executeBatch();
            changeRecentEvents(ps, events);
            ps.executeBatch();
            ordersStep(events / 40);
            subscriptionsStep(events / 100);
        }
        pg.commit();
        pg.setAutoCommit(true);
        steps++;
    }

    /** Re-deliveries, corrections, deletes, and rows turning invalid and valid again. */
    private void changeRecentEvents(PreparedStatement ps, int events) throws SQLException {
        Instant oldest = head.minus(Duration.ofMinutes(20));
        recent.removeIf(r -> ((Instant) r[2]).isBefore(oldest));
        List<Object[]> pool = new ArrayList<>(recent);
        if (pool.size() < 50) {
            return;
        }
        try (PreparedStatement delete =
                        pg.prepareStatement("DELETE FROM events WHERE event_id = ?");
                PreparedStatement nullUser =
                        pg.prepareStatement(
                                "UPDATE events SET user_id = NULL WHERE event_id = ?")) {
            for (int i = 0; i < events / 30; i++) {
                Object[] r = pool.get(random.nextInt(pool.size()));
                if (!recent.contains(r)) {
                    continue;
                }
                int what = random.nextInt(6);
                if (what == 0) {
                    ps.clearParameters();
                    add(ps, r); // re-delivery: same values again
                } else if (what == 1) {
                    recent.remove(r);
                    delete.setObject(1, r[0]);
                    delete.executeUpdate();
                } else if (what == 2) {
                    recent.remove(r);
                    nullUser.setObject(1, r[0]);
                    nullUser.executeUpdate();
                    invalidIds.add(r[0].toString());
                } else {
                    Object[] c = r.clone();
                    if (what == 3) {
                        c[3] = NAMES[random.nextInt(NAMES.length)];
                    } else if (what == 4) {
                        Instant t = ((Instant) r[2]).plusSeconds(random.nextInt(361) - 180);
                        c[2] = t.isAfter(head) ? head : t.isBefore(oldest) ? oldest : t;
                    } else {
                        c[1] = (long) (1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS));
                        c[4] = properties((Long) c[1]);
                    }
                    recent.remove(r);
                    add(ps, c);
                }
            }
            ps.executeBatch();
            // Some invalid rows become valid again.
            try (PreparedStatement fix =
                    pg.prepareStatement(
                            "UPDATE events SET user_id = ? WHERE event_id = ? AND user_id IS NULL"
                                    + " AND occurred_at >= ?")) {
                for (int i = 0; i < 3 && !invalidIds.isEmpty(); i++) {
                    String id = invalidIds.remove(random.nextInt(invalidIds.size()));
                    fix.setLong(1, 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS));
                    fix.setObject(2, UUID.fromString(id));
                    fix.setTimestamp(3, Timestamp.from(oldest));
                    fix.executeUpdate();
                }
            }
        }
    }

    private void keepForRepairs(Object[] r) {
        if (streamed.size() < 20_000) {
            streamed.add(r);
        } else {
            streamed.set(random.nextInt(streamed.size()), r);
        }
    }

    /**
     * Changes 2 to 20 hours behind the head: new events, and corrections (time, name or user) and
     * deletes of events streamed that long ago. Each keeps the event 2 to 20 hours behind, within
     * the repair horizon, so every table must take it in without a backfill.
     */
    private void repairs(PreparedStatement ps, int n) throws SQLException {
        Instant newest = head.minus(Duration.ofHours(2));
        Instant oldest = head.minus(Duration.ofHours(20));
        List<Object[]> pool = new ArrayList<>();
        for (Object[] r : streamed) {
            Instant t = (Instant) r[2];
            if (t.isBefore(newest) && t.isAfter(oldest)) {
                pool.add(r);
            }
        }
        try (PreparedStatement delete =
                pg.prepareStatement("DELETE FROM events WHERE event_id = ?")) {
            for (int i = 0; i < n; i++) {
                long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
                int what = pool.isEmpty() ? 0 : random.nextInt(4);
                if (what == 0) {
                    long behind = 2 * 3600 + random.nextInt(18 * 3600);
                    Object[] r = event(user, head.minusSeconds(behind), null);
                    add(ps, r);
                    keepForRepairs(r);
                    continue;
                }
                Object[] r = pool.get(random.nextInt(pool.size()));
                if (what == 1) {
                    delete.setObject(1, r[0]);
                    delete.executeUpdate();
                    streamed.remove(r);
                    pool.remove(r);
                    continue;
                }
                Object[] c = r.clone();
                if (what == 2) {
                    Instant t = ((Instant) r[2]).plusSeconds(random.nextInt(7201) - 3600);
                    c[2] = t.isAfter(newest) ? newest : t.isBefore(oldest) ? oldest : t;
                    c[3] = NAMES[random.nextInt(NAMES.length)];
                } else {
                    c[1] = user;
                    c[4] = properties(user);
                }
                add(ps, c);
                streamed.remove(r);
                pool.remove(r);
                keepForRepairs(c);
            }
        }
    }

    // --- orders and refunds ----------------------------------------------------------------

    /** {@code n} orders placed before {@code until}, a tenth refunded, and early refunds. */
    private void orderHistory(int n, Instant until) throws SQLException {
        for (int i = 0; i < n; i++) {
            Instant placed =
                    start.plusSeconds(
                            money.nextInt((int) (until.getEpochSecond() - start.getEpochSecond())));
            long id = insertOrder(placed, money.nextInt(4) == 0 ? "pending" : "paid");
            if (money.nextInt(10) == 0) {
                refund(id, placed.plusSeconds(money.nextInt(86_400)), true);
            }
        }
        // Refunds of orders still to come (the first steps insert them).
        for (int i = 1; i <= 5; i++) {
            insertRefund(lastOrder + i, money.nextInt(5_000), until.minusSeconds(3_600));
        }
    }

    /** About {@code n} changes of orders and refunds around the head. */
    private void ordersStep(int n) throws SQLException {
        try (PreparedStatement status =
                        pg.prepareStatement("UPDATE orders SET status = ? WHERE order_id = ?");
                PreparedStatement amount =
                        pg.prepareStatement("UPDATE orders SET amount = ? WHERE order_id = ?");
                PreparedStatement currency =
                        pg.prepareStatement("UPDATE orders SET currency = ? WHERE order_id = ?");
                PreparedStatement refundAmount =
                        pg.prepareStatement("UPDATE refunds SET amount = ? WHERE refund_id = ?");
                PreparedStatement deleteOrder =
                        pg.prepareStatement("DELETE FROM orders WHERE order_id = ?");
                PreparedStatement deleteRefund =
                        pg.prepareStatement("DELETE FROM refunds WHERE refund_id = ?")) {
            for (int i = 0; i < n; i++) {
                int what = money.nextInt(100);
                if (what < 30 || liveOrders.isEmpty()) {
                    Instant placed = head.minusSeconds(money.nextInt(7_200));
                    insertOrder(placed, money.nextInt(3) == 0 ? "paid" : "pending");
                } else if (what < 55 && !pendingOrders.isEmpty()) {
                    // Pending orders move on: mostly paid, some canceled or failed.
                    long id = pendingOrders.remove(money.nextInt(pendingOrders.size()));
                    int r = money.nextInt(10);
                    String to = r < 7 ? "paid" : r < 9 ? "canceled" : "failed";
                    status.setString(1, to);
                    status.setLong(2, id);
                    status.executeUpdate();
                    if (to.equals("paid")) {
                        paidOrders.add(id);
                    }
                } else if (what < 63) {
                    amount.setBigDecimal(1, cents(money.nextInt(50_000)));
                    amount.setLong(2, pick(liveOrders));
                    amount.executeUpdate();
                } else if (what < 66) {
                    currency.setString(1, CURRENCIES[money.nextInt(CURRENCIES.length)]);
                    currency.setLong(2, pick(liveOrders));
                    currency.executeUpdate();
                } else if (what < 80 && !paidOrders.isEmpty()) {
                    long id = paidOrders.get(money.nextInt(paidOrders.size()));
                    refund(id, head.minusSeconds(money.nextInt(3_600)), money.nextBoolean());
                } else if (what < 84 && !liveRefunds.isEmpty()) {
                    refundAmount.setBigDecimal(1, cents(money.nextInt(5_000)));
                    refundAmount.setLong(2, pick(liveRefunds));
                    refundAmount.executeUpdate();
                } else if (what < 88) {
                    // A refund before its order: the order comes in a later step.
                    insertRefund(
                            lastOrder + 1 + money.nextInt(3),
                            money.nextInt(5_000),
                            head.minusSeconds(money.nextInt(600)));
                } else if (what < 91) {
                    Long id = liveOrders.remove(money.nextInt(liveOrders.size()));
                    pendingOrders.remove(id);
                    paidOrders.remove(id);
                    deleteOrder.setLong(1, id);
                    deleteOrder.executeUpdate();
                } else if (what < 93 && !liveRefunds.isEmpty()) {
                    deleteRefund.setLong(1, liveRefunds.remove(money.nextInt(liveRefunds.size())));
                    deleteRefund.executeUpdate();
                } else {
                    Instant placed = head.minusSeconds(money.nextInt(86_400));
                    insertOrder(placed, "paid");
                }
            }
        }
    }

    /**
     * {@code n} subscriptions started over the 11 weeks before {@code until}, a quarter canceled
     * since, some customers with two.
     */
    private void subscriptionHistory(int n, Instant until) throws SQLException {
        java.time.LocalDate last = java.time.LocalDate.ofInstant(until, java.time.ZoneOffset.UTC);
        for (int i = 0; i < n; i++) {
            java.time.LocalDate started = last.minusDays(money.nextInt(77));
            java.time.LocalDate canceled =
                    money.nextInt(4) == 0
                            ? started.plusDays(
                                    1
                                            + money.nextInt(
                                                    (int) (last.toEpochDay() - started.toEpochDay())
                                                            + 3))
                            : null;
            insertSubscription(1 + BOTS + money.nextInt(300), started, canceled);
        }
    }

    /**
     * About {@code n} changes of subscriptions on the head's day: new ones (some of customers who
     * already have one), upgrades and downgrades (MRR changed in place), cancellations from the
     * head's day or a few days on, cancellations taken back, and deletes.
     */
    private void subscriptionsStep(int n) throws SQLException {
        java.time.LocalDate today = java.time.LocalDate.ofInstant(head, java.time.ZoneOffset.UTC);
        try (PreparedStatement mrr =
                        pg.prepareStatement(
                                "UPDATE subscriptions SET mrr = ? WHERE subscription_id = ?");
                PreparedStatement cancel =
                        pg.prepareStatement(
                                "UPDATE subscriptions SET canceled_at = greatest(?, started_at)"
                                        + " WHERE subscription_id = ?");
                PreparedStatement resume =
                        pg.prepareStatement(
                                "UPDATE subscriptions SET canceled_at = NULL WHERE subscription_id = ?");
                PreparedStatement delete =
                        pg.prepareStatement(
                                "DELETE FROM subscriptions WHERE subscription_id = ?")) {
            for (int i = 0; i < n; i++) {
                int what = money.nextInt(100);
                if (what < 30 || liveSubscriptions.isEmpty()) {
                    insertSubscription(
                            1 + BOTS + money.nextInt(300), today.minusDays(money.nextInt(3)), null);
                } else if (what < 55) {
                    mrr.setBigDecimal(1, cents(500 + money.nextInt(30_000)));
                    mrr.setLong(2, pick(liveSubscriptions));
                    mrr.executeUpdate();
                } else if (what < 80) {
                    cancel.setDate(1, java.sql.Date.valueOf(today.plusDays(money.nextInt(4))));
                    cancel.setLong(2, pick(liveSubscriptions));
                    cancel.executeUpdate();
                } else if (what < 90) {
                    resume.setLong(1, pick(liveSubscriptions));
                    resume.executeUpdate();
                } else {
                    delete.setLong(
                            1, liveSubscriptions.remove(money.nextInt(liveSubscriptions.size())));
                    delete.executeUpdate();
                }
            }
        }
    }

    private void insertSubscription(
            long user, java.time.LocalDate started, java.time.LocalDate canceled)
            throws SQLException {
        long id = ++lastSubscription;
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO subscriptions (subscription_id, user_id, plan, mrr,"
                                + " started_at, canceled_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setLong(2, user);
            ps.setString(3, PLANS[money.nextInt(PLANS.length)]);
            ps.setBigDecimal(4, cents(500 + money.nextInt(30_000)));
            ps.setDate(5, java.sql.Date.valueOf(started));
            ps.setDate(6, canceled == null ? null : java.sql.Date.valueOf(canceled));
            ps.executeUpdate();
        }
        liveSubscriptions.add(id);
    }

    private long pick(List<Long> ids) {
        return ids.get(money.nextInt(ids.size()));
    }

    private static java.math.BigDecimal cents(long cents) {
        return java.math.BigDecimal.valueOf(cents, 2);
    }

    private long insertOrder(Instant placed, String status) throws SQLException {
        long id = ++lastOrder;
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO orders (order_id, user_id, created_at, status, amount,"
                                + " currency) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            ps.setLong(2, 1 + BOTS + money.nextInt(USERS - BOTS - BRIDGE_USERS));
            ps.setTimestamp(3, Timestamp.from(placed));
            ps.setString(4, status);
            ps.setBigDecimal(5, cents(100 + money.nextInt(50_000)));
            ps.setString(6, CURRENCIES[money.nextInt(CURRENCIES.length)]);
            ps.executeUpdate();
        }
        liveOrders.add(id);
        (status.equals("pending") ? pendingOrders : paidOrders).add(id);
        return id;
    }

    private void insertRefund(long orderId, long cents, Instant at) throws SQLException {
        long id = ++lastRefund;
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO refunds (refund_id, order_id, amount, reason, refunded_at)"
                                + " VALUES (?, ?, ?, 'requested_by_customer', ?)")) {
            ps.setLong(1, id);
            ps.setLong(2, orderId);
            ps.setBigDecimal(3, cents(cents));
            ps.setTimestamp(4, Timestamp.from(at));
            ps.executeUpdate();
        }
        liveRefunds.add(id);
    }

    /** A refund of a paid order: all of it (the order becomes refunded) or a part. */
    private void refund(long orderId, Instant at, boolean full) throws SQLException {
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO refunds (refund_id, order_id, amount, reason, refunded_at)"
                                + " SELECT ?, order_id, CASE WHEN ? THEN amount"
                                + " ELSE round(amount * ?, 2) END, 'requested_by_customer', ?"
                                + " FROM orders WHERE order_id = ?")) {
            long id = ++lastRefund;
            ps.setLong(1, id);
            ps.setBoolean(2, full);
            ps.setBigDecimal(3, java.math.BigDecimal.valueOf(1 + money.nextInt(90), 2));
            ps.setTimestamp(4, Timestamp.from(at));
            ps.setLong(5, orderId);
            if (ps.executeUpdate() == 1) {
                liveRefunds.add(id);
            }
        }
        if (full) {
            try (PreparedStatement ps =
                    pg.prepareStatement(
                            "UPDATE orders SET status = 'refunded' WHERE order_id = ?")) {
                ps.setLong(1, orderId);
                ps.executeUpdate();
            }
            paidOrders.remove(orderId);
        }
    }

    public void updateUserEmails(int n) throws SQLException {
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "UPDATE users SET email = ?, created_at = created_at + ? * interval '1 day'"
                                + " WHERE user_id = ?")) {
            for (int i = 0; i < n; i++) {
                long u = 1 + random.nextInt(USERS);
                ps.setString(1, "user" + u + ".new" + random.nextInt(1000) + "@example.com");
                // Half of them also move their signup, a week or so either way.
                ps.setInt(2, random.nextBoolean() ? 0 : random.nextInt(21) - 10);
                ps.setLong(3, u);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private PreparedStatement upsert() throws SQLException {
        return pg.prepareStatement(
                "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                        + " VALUES (?, ?, ?, ?, ?::jsonb) ON CONFLICT (event_id) DO UPDATE SET"
                        + " user_id = EXCLUDED.user_id, occurred_at = EXCLUDED.occurred_at,"
                        + " event_name = EXCLUDED.event_name, properties = EXCLUDED.properties");
    }

    /** {id, user, time, name, properties, jitter seconds}. */
    private Object[] event(long user, Instant t, String name) {
        return new Object[] {
            UUID.randomUUID(),
            user,
            t.plusNanos(1000L * random.nextInt(1_000_000)),
            name != null ? name : NAMES[random.nextInt(NAMES.length)],
            properties(user),
            random.nextInt(180) - 90
        };
    }

    private String properties(long user) {
        StringBuilder p = new StringBuilder("{");
        p.append("\"path\": \"/p/").append(random.nextInt(40)).append('"');
        if (random.nextInt(3) > 0) {
            p.append(", \"plan\": \"").append(PLANS[(int) (user % 3)]).append('"');
        }
        if (random.nextInt(2) == 0) {
            p.append(", \"duration_ms\": ").append(random.nextInt(5000));
        }
        if (random.nextInt(10) == 0) {
            p.append(", \"email\": \"user").append(user).append("@example.com\"");
        }
        if (user % 23 == 0) { // no random draw: the rest of the workload stays as it was
            p.append(", \"contact\": {\"work\": {\"Email\": \"user")
                    .append(user)
                    .append("@example.com\"}}");
        }
        if (random.nextInt(10) == 0) {
            p.append(", \"tags\": [\"a\", ").append(random.nextInt(9)).append(", null]");
        }
        // What a request event carries (errors_1m / errors_1h read service, version and status);
        // other events carry it too and are not counted.
        if (random.nextInt(8) > 0) {
            p.append(", \"status\": ").append(STATUSES[random.nextInt(STATUSES.length)]);
        }
        if (random.nextInt(8) > 0) {
            p.append(", \"service\": \"")
                    .append(random.nextBoolean() ? "api" : "billing")
                    .append('"');
        }
        if (random.nextInt(8) > 0) {
            p.append(", \"version\": \"1.").append(random.nextInt(3)).append('"');
        }
        if (random.nextInt(8) > 0) {
            p.append(", \"endpoint\": \"/api/")
                    .append(ENDPOINTS[random.nextInt(ENDPOINTS.length)])
                    .append('"');
        }
        // Latency: mostly a number, now and then digits in a string, or not a number at all.
        p.append(", \"latency_ms\": ")
                .append(
                        switch (random.nextInt(20)) {
                            case 0 -> "\"" + random.nextInt(900) + "\"";
                            case 1 -> "\"timeout\"";
                            default ->
                                    Integer.toString(
                                            1 + random.nextInt(random.nextBoolean() ? 60 : 900));
                        });
        return p.append('}').toString();
    }

    private void add(PreparedStatement ps, Object[] r) throws SQLException {
        ps.setObject(1, r[0]);
        if (r[1] == null) {
            ps.setNull(2, Types.BIGINT);
        } else {
            ps.setLong(2, (Long) r[1]);
        }
        ps.setTimestamp(3, r[2] == null ? null : Timestamp.from((Instant) r[2]));
        ps.setString(4, (String) r[3]);
        ps.setString(5, (String) r[4]);
        ps.addBatch();
        written++;
        if (r[1] != null
                && r[2] != null
                && !((Instant) r[2]).isBefore(head.minus(Duration.ofMinutes(20)))) {
            recent.remove(r);
            recent.addLast(r);
            while (recent.size() > 3000) {
                recent.removeFirst();
            }
        }
    }

    /** A visit: 1 to 6 events a few minutes apart; returns the rows written. */
    private int visit(PreparedStatement ps, long user, Instant t) throws SQLException {
        int k = 1 + random.nextInt(6);
        for (int i = 0; i < k; i++) {
            add(
                    ps,
                    event(
                            user,
                            t,
                            i == 0
                                    ? "session_start"
                                    : i == k - 1 && random.nextBoolean() ? "session_end" : null));
            t = t.plusSeconds(30 + random.nextInt(300));
        }
        return k;
    }

    /** The bots' events (one every 10 minutes) up to {@code until}: sessions hit the 24 h cap. */
    private int bots(PreparedStatement ps, Instant until) throws SQLException {
        int n = 0;
        while (nextBot.isBefore(until)) {
            for (long bot = 1; bot <= BOTS; bot++) {
                add(ps, event(bot, nextBot.plusSeconds(bot), null));
                n++;
            }
            nextBot = nextBot.plus(Duration.ofMinutes(10));
        }
        return n;
    }

    /** One unusable row; returns 1. */
    private int invalid(PreparedStatement ps, Instant t) throws SQLException {
        long user = 1 + BOTS + random.nextInt(USERS - BOTS - BRIDGE_USERS);
        Object[] r = event(user, t, null);
        switch (random.nextInt(6)) {
            case 0 -> r[1] = null;
            case 1 -> r[2] = null;
            case 2 -> r[2] = end.plus(Duration.ofDays(2));
            case 3 -> r[4] = "[1, 2, \"user" + user + "@example.com\"]";
            case 4 -> r[4] = "\"mail user" + user + "@example.com\"";
            default -> r[4] = "{\"duration_ms\": \"abc\"}";
        }
        add(ps, r);
        recent.remove(r);
        return 1;
    }
}
