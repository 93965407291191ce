package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.definitions.FinanceQueries;
import io.sluice.testkit.TestServers;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL path end to end, as a user runs it: {@code ./sluice sql} with the repository's scripts
 * (sql/flink/: postgres-cdc source tables, {@code clickhouse} sink tables, two rollups in one
 * statement set) on the standalone cluster. Inserts, updates and deletes of events, orders and
 * refunds, a stop-with-savepoint, changes while nothing runs, a restore of the SQL job from the
 * savepoint, more changes; after each phase both ClickHouse tables must equal SQL over Postgres:
 * events per minute and name, and docs/finance.md's revenue per day ({@link
 * FinanceQueries#REVENUE_DAILY}).
 */
class SqlClientIT {
    private static final Logger LOG = LoggerFactory.getLogger(SqlClientIT.class);
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String[] NAMES = {"page_view", "click", "search", "signup"};
    private static final String[] STATUSES = {"pending", "paid", "shipped", "failed", "refunded"};

    @Test
    void sqlRollupsEqualSqlOverPostgresAcrossAStopAndRestore(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("sqlc");
        String chDb = servers.clickhouse().newDatabase("sqlc");
        long seed = System.nanoTime();
        LOG.info("workload seed {}", seed);
        Launcher sluice =
                new Launcher(ROOT, tmp.resolve("home"), Launcher.freePort(), Launcher.freePort())
                        .env("SLUICE_PG_HOST", servers.postgres().host())
                        .env("SLUICE_PG_PORT", Integer.toString(servers.postgres().port()))
                        .env("SLUICE_PG_USER", servers.postgres().user())
                        .env("SLUICE_PG_PASSWORD", servers.postgres().password())
                        .env("SLUICE_PG_DATABASE", pgDb)
                        .env("SLUICE_CLICKHOUSE_URL", servers.clickhouse().url())
                        .env("SLUICE_CLICKHOUSE_DATABASE", chDb)
                        .env("SLUICE_CLICKHOUSE_USER", servers.clickhouse().user())
                        .env("SLUICE_CLICKHOUSE_PASSWORD", servers.clickhouse().password())
                        .env("SLUICE_SQL_SLOT", "sluice_" + pgDb);
        String[] scripts = {
            "-i", ROOT.resolve("sql/flink/cdc-sources.sql").toString(),
            "-i", ROOT.resolve("sql/flink/clickhouse-sinks.sql").toString(),
            "-f", ROOT.resolve("sql/flink/rollups.sql").toString()
        };
        try (Connection pg =
                DriverManager.getConnection(
                        servers.postgres().jdbcUrl(pgDb),
                        servers.postgres().user(),
                        servers.postgres().password())) {
            try (Statement st = pg.createStatement()) {
                st.execute(Files.readString(ROOT.resolve("sql/postgres/01_schema.sql")));
            }
            Workload workload = new Workload(pg, new Random(seed));
            workload.changes(400); // read by the snapshot

            LOG.info(sluice.run("cluster", "start"));
            try {
                String job =
                        submitted(
                                sluice.run(
                                        "sql",
                                        scripts[0],
                                        scripts[1],
                                        scripts[2],
                                        scripts[3],
                                        scripts[4],
                                        scripts[5]));
                workload.changes(400); // streamed
                awaitEqual(servers, chDb, pg, Duration.ofMinutes(4), "streamed");
                awaitSlotsActive(pg, "sluice_" + pgDb, Duration.ofMinutes(1));

                String savepoint = sluice.stopWithSavepoint(job, tmp.resolve("savepoints"));
                LOG.info("SQL job stopped with savepoint {}", savepoint);

                workload.changes(300); // while nothing runs
                Path restore = tmp.resolve("restore.sql");
                Files.writeString(
                        restore, "SET 'execution.savepoint.path' = '" + savepoint + "';\n");
                String restored =
                        submitted(
                                sluice.run(
                                        "sql",
                                        scripts[0],
                                        scripts[1],
                                        scripts[2],
                                        scripts[3],
                                        "-i",
                                        restore.toString(),
                                        scripts[4],
                                        scripts[5]));
                workload.changes(300); // streamed into the restored job
                awaitEqual(servers, chDb, pg, Duration.ofMinutes(4), "restored");
                sluice.run("flink", "cancel", restored);
            } finally {
                LOG.info(sluice.run("cluster", "stop"));
                keepLogs(tmp.resolve("home/flink/log"));
                // The slots would hold WAL back on the shared server for the rest of the run.
                try (Statement st = pg.createStatement()) {
                    st.execute(
                            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
                                    + " WHERE NOT active AND slot_name LIKE 'sluice\\_"
                                    + pgDb
                                    + "\\_%'");
                }
            }
        }
    }

    /** The cluster's logs, kept in target/ for a look after a failure. */
    private static void keepLogs(Path logs) throws Exception {
        Path kept = Path.of("target/sql-client-it-logs");
        Files.createDirectories(kept);
        if (Files.isDirectory(logs)) {
            try (var files = Files.list(logs)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(
                            f,
                            kept.resolve(f.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String submitted(String out) {
        String job = Launcher.find(out, "Job ID: ([0-9a-f]{32})");
        LOG.info("SQL job submitted: {}", job);
        return job;
    }

    /** Both sink tables against SQL over Postgres, polled until equal or {@code timeout}. */
    private static void awaitEqual(
            TestServers servers, String chDb, Connection pg, Duration timeout, String phase)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        TreeSet<String> expected = expected(pg);
        TreeSet<String> actual = actual(servers, chDb);
        while (!actual.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(1_000); // polling ClickHouse for the SQL job's commits, with a deadline
            actual = actual(servers, chDb);
        }
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        assertThat(missing)
                .as("%s: rows of SQL over Postgres that ClickHouse lacks (extra: %s)", phase, extra)
                .isEmpty();
        assertThat(extra).as("%s: rows only in ClickHouse", phase).isEmpty();
        assertThat(expected).as("%s: the workload produced rows", phase).isNotEmpty();
    }

    private static TreeSet<String> expected(Connection pg) throws Exception {
        TreeSet<String> rows = new TreeSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT to_char(date_trunc('minute', occurred_at AT TIME ZONE"
                                        + " 'UTC'), 'YYYY-MM-DD HH24:MI:SS'), event_name, count(*)"
                                        + " FROM events WHERE occurred_at IS NOT NULL AND"
                                        + " event_name IS NOT NULL GROUP BY 1, 2")) {
            while (rs.next()) {
                rows.add("epm|" + rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getLong(3));
            }
        }
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(FinanceQueries.REVENUE_DAILY)) {
            while (rs.next()) {
                List<String> f = new ArrayList<>();
                for (int i = 1; i <= 6; i++) {
                    f.add(i <= 3 ? rs.getString(i).trim() : FinanceQueries.number(rs.getString(i)));
                }
                rows.add("revenue|" + String.join("|", f));
            }
        }
        return rows;
    }

    private static TreeSet<String> actual(TestServers servers, String chDb) {
        TreeSet<String> rows = new TreeSet<>();
        String tables =
                servers.clickhouse()
                        .query(
                                "SELECT count() FROM system.tables WHERE database = '"
                                        + chDb
                                        + "' AND name IN ('events_per_minute_sql',"
                                        + " 'revenue_daily_sql')");
        if (!"2".equals(tables.trim())) {
            return rows; // the job's writers create them when they open
        }
        String epm =
                servers.clickhouse()
                        .query(
                                "SELECT toString(minute), event_name, toString(events) FROM "
                                        + chDb
                                        + ".events_per_minute_sql FINAL WHERE _is_deleted = 0");
        for (String line : epm.split("\n")) {
            if (!line.isBlank()) {
                rows.add("epm|" + line.replace('\t', '|'));
            }
        }
        String revenue =
                servers.clickhouse()
                        .query(
                                "SELECT toString(day), currency, toString(orders),"
                                        + " toString(gross), toString(refunds), toString(net) FROM "
                                        + chDb
                                        + ".revenue_daily_sql FINAL WHERE _is_deleted = 0");
        for (String line : revenue.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split("\t");
            List<String> out = new ArrayList<>(List.of(f[0], f[1].trim(), f[2]));
            for (int i = 3; i < 6; i++) {
                out.add(FinanceQueries.number(f[i]));
            }
            rows.add("revenue|" + String.join("|", out));
        }
        return rows;
    }

    /**
     * Waits until the three CDC sources stream (their slots are in use): a stop before a source's
     * stream split reached its reader can fail (docs/known-limitations.md).
     */
    private static void awaitSlotsActive(Connection pg, String slot, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM pg_replication_slots WHERE active AND"
                                            + " slot_name IN ('"
                                            + slot
                                            + "_events', '"
                                            + slot
                                            + "_orders', '"
                                            + slot
                                            + "_refunds')")) {
                rs.next();
                if (rs.getInt(1) == 3) {
                    return;
                }
            }
            assertThat(System.nanoTime()).as("the 3 slots in use").isLessThan(deadline);
            Thread.sleep(200); // polling the slots, with a deadline
        }
    }

    /** Inserts, updates and deletes of events, orders and refunds over the last two days. */
    private static final class Workload {
        private final Connection pg;
        private final Random random;
        private final Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        private long orders;
        private long refunds;

        Workload(Connection pg, Random random) {
            this.pg = pg;
            this.random = random;
        }

        void changes(int n) throws Exception {
            try (PreparedStatement event =
                            pg.prepareStatement(
                                    "INSERT INTO events (event_id, user_id, occurred_at,"
                                            + " event_name, properties) VALUES (?, ?, ?, ?, '{}')");
                    PreparedStatement order =
                            pg.prepareStatement(
                                    "INSERT INTO orders (order_id, user_id, created_at, status,"
                                            + " amount, currency) VALUES (?, ?, ?, ?, ?, ?)");
                    PreparedStatement refund =
                            pg.prepareStatement(
                                    "INSERT INTO refunds (refund_id, order_id, amount,"
                                            + " refunded_at) VALUES (?, ?, ?, ?)");
                    Statement st = pg.createStatement()) {
                for (int i = 0; i < n; i++) {
                    int what = random.nextInt(100);
                    if (what < 45) {
                        event.setObject(1, new UUID(random.nextLong(), random.nextLong()));
                        event.setLong(2, 1 + random.nextInt(50));
                        event.setObject(3, time());
                        event.setString(4, NAMES[random.nextInt(NAMES.length)]);
                        event.executeUpdate();
                    } else if (what < 52) {
                        st.executeUpdate(
                                "DELETE FROM events WHERE event_id IN (SELECT event_id FROM events"
                                        + " ORDER BY md5(event_id::text || "
                                        + random.nextInt()
                                        + ") LIMIT 2)");
                    } else if (what < 57) {
                        st.executeUpdate(
                                "UPDATE events SET event_name = '"
                                        + NAMES[random.nextInt(NAMES.length)]
                                        + "', occurred_at = occurred_at + interval '"
                                        + random.nextInt(120)
                                        + " seconds' WHERE event_id IN (SELECT event_id FROM events"
                                        + " ORDER BY md5(event_id::text || "
                                        + random.nextInt()
                                        + ") LIMIT 1)");
                    } else if (what < 75) {
                        orders++;
                        order.setLong(1, orders);
                        order.setLong(2, 1 + random.nextInt(50));
                        order.setObject(3, time());
                        order.setString(4, STATUSES[random.nextInt(STATUSES.length)]);
                        order.setBigDecimal(5, BigDecimal.valueOf(100 + random.nextInt(50_000), 2));
                        order.setString(6, random.nextInt(4) == 0 ? "EUR" : "USD");
                        order.executeUpdate();
                    } else if (what < 83 && orders > 0) {
                        st.executeUpdate(
                                "UPDATE orders SET status = '"
                                        + STATUSES[random.nextInt(STATUSES.length)]
                                        + "', amount = amount + "
                                        + random.nextInt(1000)
                                        + " / 100.0 WHERE order_id = "
                                        + (1 + random.nextInt((int) orders)));
                    } else if (what < 86 && orders > 0) {
                        long id = 1 + random.nextInt((int) orders);
                        st.executeUpdate("DELETE FROM refunds WHERE order_id = " + id);
                        st.executeUpdate("DELETE FROM orders WHERE order_id = " + id);
                    } else if (what < 96 && orders > 0) {
                        refunds++;
                        refund.setLong(1, refunds);
                        refund.setLong(2, 1 + random.nextInt((int) orders));
                        refund.setBigDecimal(3, BigDecimal.valueOf(50 + random.nextInt(5_000), 2));
                        refund.setObject(4, time());
                        refund.executeUpdate(); // a refund of a deleted order joins nothing
                    } else if (refunds > 0) {
                        st.executeUpdate(
                                "DELETE FROM refunds WHERE refund_id = "
                                        + (1 + random.nextInt((int) refunds)));
                    }
                }
            }
        }

        /** A time in the last two days, to the microsecond (Postgres' precision). */
        private OffsetDateTime time() {
            return now.minusMillis(random.nextInt(2 * 86_400_000))
                    .minusNanos(random.nextInt(1000) * 1000L)
                    .atOffset(ZoneOffset.UTC);
        }
    }
}
