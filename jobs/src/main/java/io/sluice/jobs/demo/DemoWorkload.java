package io.sluice.jobs.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Writes a realistic SaaS workload into the sample schema ({@code sql/postgres/01_schema.sql}):
 * sign-ups, product events in visits ({@link DemoVisits}), orders with status changes,
 * subscriptions and cancellations, refunds, and deletes of a few events. Used by {@code ./sluice
 * demo}.
 *
 * <p>With {@code --history-days N} and an empty events table it first writes N days of backdated
 * history ({@link DemoHistory}); the live visits then come from the users active in the current
 * week and the new sign-ups, so that live traffic does not make every cohort "return" this week.
 *
 * <p>Usage: {@code DemoWorkload --jdbc-url URL --user U --schema FILE [--seconds 30]
 * [--events-per-second 500] [--seed 42] [--history-days 0]}, with the password in the environment
 * variable {@value #PASSWORD_ENV} (a command line is visible to every user of the machine, in
 * {@code ps}).
 */
public final class DemoWorkload {
    static final String[] COUNTRIES = {"US", "DE", "FR", "GB", "IN", "BR", "JP"};
    private static final String[] PLANS = {"free", "pro", "team", "enterprise"};
    private static final int HISTORY_USERS = 300;

    private final Connection pg;
    private final Random random;
    private final DemoVisits visits;

    /** The users live visits come from. */
    private final List<Long> livePool = new ArrayList<>();

    private long users;
    private long orders;
    private long subscriptions;
    private long refunds;

    DemoWorkload(Connection pg, long seed) {
        this.pg = pg;
        this.random = new Random(seed);
        this.visits = new DemoVisits(random);
    }

    /** The environment variable that holds the Postgres password. */
    static final String PASSWORD_ENV = "SLUICE_PG_PASSWORD";

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        try (Connection pg =
                DriverManager.getConnection(
                        a.get("--jdbc-url", null),
                        a.get("--user", "postgres"),
                        password(a, System.getenv()))) {
            try (Statement st = pg.createStatement()) {
                st.execute(
                        Files.readString(Path.of(a.get("--schema", "sql/postgres/01_schema.sql"))));
            }
            DemoWorkload w = new DemoWorkload(pg, Long.parseLong(a.get("--seed", "42")));
            w.resume();
            int historyDays = Integer.parseInt(a.get("--history-days", "0"));
            if (historyDays > 0
                    && w.max("SELECT count(*) FROM (SELECT 1 FROM events LIMIT 1) e") == 0) {
                long first = w.users + 1;
                long written =
                        DemoHistory.write(
                                pg,
                                w.random,
                                w.visits,
                                first,
                                HISTORY_USERS,
                                historyDays,
                                Instant.now());
                w.users += HISTORY_USERS;
                DemoFinanceHistory.Written finance =
                        DemoFinanceHistory.write(
                                pg,
                                w.random,
                                w.users,
                                historyDays,
                                Instant.now(),
                                w.orders,
                                w.refunds,
                                w.subscriptions);
                w.resume();
                System.out.printf(
                        "history: %d users and %d events, %d orders, %d refunds and %d"
                                + " subscriptions over the last %d days (backdated)%n",
                        HISTORY_USERS,
                        written,
                        finance.orders(),
                        finance.refunds(),
                        finance.subscriptions(),
                        historyDays);
            }
            if (w.users == 0) {
                w.signUps(200);
            }
            w.loadLivePool();
            long seconds = Long.parseLong(a.get("--seconds", "30"));
            int rate = Integer.parseInt(a.get("--events-per-second", "500"));
            long end = System.currentTimeMillis() + seconds * 1000;
            long events = 0;
            while (System.currentTimeMillis() < end) {
                long tick = System.currentTimeMillis();
                events += w.tick(rate);
                long wait = 1000 - (System.currentTimeMillis() - tick);
                if (wait > 0) {
                    Thread.sleep(wait); // paces the workload at the requested rate
                }
            }
            System.out.printf(
                    "workload: %d events, %d users, %d orders, %d subscriptions, %d refunds written%n",
                    events, w.users, w.orders, w.subscriptions, w.refunds);
        }
    }

    /** The Postgres password: from the environment, never from the command line. */
    static String password(Args a, Map<String, String> env) {
        if (a.has("--password")) {
            throw new IllegalArgumentException(
                    "--password is not taken: a command line is visible to every user of the"
                            + " machine; put the password in the environment variable "
                            + PASSWORD_ENV);
        }
        return env.getOrDefault(PASSWORD_ENV, "");
    }

    /** Continues numbering after rows a previous run left. */
    private void resume() throws SQLException {
        users = max("SELECT coalesce(max(user_id), 0) FROM users");
        orders = max("SELECT coalesce(max(order_id), 0) FROM orders");
        subscriptions = max("SELECT coalesce(max(subscription_id), 0) FROM subscriptions");
        refunds = max("SELECT coalesce(max(refund_id), 0) FROM refunds");
    }

    /**
     * The users with an event in the current ISO week (UTC), or every user when there are none: a
     * returning visit of anyone else would count them as retained this week.
     */
    private void loadLivePool() throws SQLException {
        try (Statement st = pg.createStatement();
                var rs =
                        st.executeQuery(
                                "SELECT DISTINCT user_id FROM events WHERE user_id IS NOT NULL"
                                        + " AND occurred_at >= date_trunc('week', now() AT TIME ZONE 'UTC')"
                                        + " AT TIME ZONE 'UTC' ORDER BY user_id")) {
            while (rs.next()) {
                livePool.add(rs.getLong(1));
            }
        }
        for (long id = 1; livePool.isEmpty() && id <= users; id++) {
            livePool.add(id);
        }
    }

    private long max(String sql) throws SQLException {
        try (Statement st = pg.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * One second of traffic, in one transaction per table: sign-up visits of the new users, then
     * returning visits of the live pool until {@code eventsPerSecond} events; returns the events
     * written.
     */
    int tick(int eventsPerSecond) throws SQLException {
        long firstNew = users + 1;
        signUps(1 + random.nextInt(5));
        Instant now = Instant.now();
        int written = 0;
        try (PreparedStatement ps = pg.prepareStatement(DemoVisits.INSERT)) {
            for (long id = firstNew; id <= users; id++) {
                written += live(ps, id, visits.signUp(), now);
                livePool.add(id);
            }
            while (written < eventsPerSecond) {
                long id = livePool.get(random.nextInt(livePool.size()));
                written += live(ps, id, visits.returning(), now);
            }
            ps.executeBatch();
        }
        try (Statement st = pg.createStatement()) {
            for (int i = 0; i < 3; i++) {
                orders++;
                st.addBatch(
                        "INSERT INTO orders (order_id, user_id, status, amount, items) VALUES ("
                                + orders
                                + ", "
                                + (1 + random.nextInt((int) users))
                                + ", 'pending', "
                                + (5 + random.nextInt(500))
                                + "."
                                + random.nextInt(100)
                                + ", ARRAY['sku-"
                                + random.nextInt(99)
                                + "'])");
            }
            st.addBatch(
                    "UPDATE orders SET status = 'paid' WHERE order_id = "
                            + Math.max(1, orders - random.nextInt(10))
                            + " AND status = 'pending'");
            if (random.nextInt(3) == 0) {
                subscriptions++;
                String plan = PLANS[1 + random.nextInt(3)];
                st.addBatch(
                        "INSERT INTO subscriptions VALUES ("
                                + subscriptions
                                + ", "
                                + (1 + random.nextInt((int) users))
                                + ", '"
                                + plan
                                + "', "
                                + (plan.equals("pro") ? 29 : plan.equals("team") ? 99 : 499)
                                + ", current_date, NULL)");
                st.addBatch(
                        "UPDATE users SET plan = '"
                                + plan
                                + "' WHERE user_id = "
                                + (1 + random.nextInt((int) users)));
            }
            if (random.nextInt(5) == 0 && subscriptions > 0) {
                st.addBatch(
                        "UPDATE subscriptions SET canceled_at = current_date WHERE subscription_id = "
                                + (1 + random.nextInt((int) subscriptions)));
            }
            if (random.nextInt(4) == 0 && orders > 0) {
                refunds++;
                long order = 1 + random.nextInt((int) orders);
                st.addBatch(
                        "INSERT INTO refunds (refund_id, order_id, amount, reason) VALUES ("
                                + refunds
                                + ", "
                                + order
                                + ", 5.00, 'customer request')");
                st.addBatch("UPDATE orders SET status = 'refunded' WHERE order_id = " + order);
            }
            // A few events are retracted (GDPR erasure, test traffic).
            st.addBatch(
                    "DELETE FROM events WHERE event_id IN (SELECT event_id FROM events ORDER BY occurred_at DESC LIMIT 2)");
            st.executeBatch();
        }
        return written;
    }

    /** Adds a visit starting 2.5 to 5 s before {@code now}, its events up to 200 ms apart. */
    private int live(PreparedStatement ps, long user, List<DemoVisits.Step> visit, Instant now)
            throws SQLException {
        visits.add(
                ps,
                user,
                now.minusMillis(5000 - random.nextInt(2500)),
                visit,
                200,
                UUID::randomUUID); // a second run with the same seed writes new events
        return visit.size();
    }

    private void signUps(int n) throws SQLException {
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO users (user_id, email, plan, country, attributes) VALUES (?, ?, 'free', ?, ?::jsonb)")) {
            for (int i = 0; i < n; i++) {
                users++;
                ps.setLong(1, users);
                ps.setString(2, "user" + users + "@example.com");
                ps.setString(3, COUNTRIES[random.nextInt(COUNTRIES.length)]);
                ps.setString(
                        4, "{\"referrer\": \"" + (random.nextBoolean() ? "search" : "ad") + "\"}");
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Minimal {@code --key value} parsing for the demo tools. */
    static final class Args {
        private final String[] args;

        Args(String[] args) {
            this.args = args;
        }

        boolean has(String key) {
            return java.util.Arrays.asList(args).contains(key);
        }

        String get(String key, String defaultValue) {
            for (int i = 0; i < args.length - 1; i++) {
                if (args[i].equals(key)) {
                    return args[i + 1];
                }
            }
            if (defaultValue == null) {
                throw new IllegalArgumentException("missing required argument " + key);
            }
            return defaultValue;
        }
    }
}
