package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What differs between the Postgres majors Sluice supports (14 to 17), tested on each of them:
 *
 * <ul>
 *   <li>row filters and column lists exist from 15: a captured table published with either is
 *       refused (the mirror would silently lack rows or columns); on 14 the check reads a catalog
 *       without them;
 *   <li>partitioned tables, published under the root's name ({@code publish_via_partition_root});
 *   <li>generated columns: pgoutput leaves them out of every change before 18, so the mirror leaves
 *       them out altogether (an update would otherwise leave the old value in ClickHouse, and
 *       streamed inserts went missing); from 18 the publication publishes them (untested here: no
 *       18 binaries).
 * </ul>
 */
class PostgresVersionsIT {
    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    private static final TableId ITEMS = TableId.parse("public.items");

    @ParameterizedTest(name = "Postgres {0}")
    @MethodSource("io.sluice.jobs.JobTestSupport#postgresMajors")
    void aPublicationMustPublishCapturedTablesWhole(int major) throws Exception {
        TestServers servers = TestServers.get().withPostgres(major);
        String db = servers.postgres().newDatabase("pubcheck");
        try (Connection pg = JobTestSupport.postgres(servers, db);
                Statement st = pg.createStatement();
                PostgresCatalog catalog = new PostgresCatalog(pg)) {
            st.execute("CREATE TABLE items (id bigint PRIMARY KEY, a text, b text)");
            catalog.ensurePublication("sluice", List.of(ITEMS));
            assertThat(query(st, "SELECT pubviaroot FROM pg_publication WHERE pubname = 'sluice'"))
                    .containsExactly("t");
            // An existing publication of the whole table is taken as it is, on every major.
            st.execute("CREATE PUBLICATION whole FOR TABLE items");
            catalog.ensurePublication("whole", List.of(ITEMS));

            if (major < PostgresCatalog.ROW_FILTERS_SINCE / 10_000) {
                // Neither exists before 15: the syntax is refused.
                assertThatThrownBy(
                                () ->
                                        st.execute(
                                                "CREATE PUBLICATION f FOR TABLE items WHERE (id > 0)"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("syntax error");
                assertThatThrownBy(() -> st.execute("CREATE PUBLICATION c FOR TABLE items (id, a)"))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("syntax error");
                return;
            }
            st.execute("CREATE PUBLICATION filtered FOR TABLE items WHERE (id > 10)");
            assertThatThrownBy(() -> catalog.ensurePublication("filtered", List.of(ITEMS)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(
                            "publication 'filtered' publishes public.items with a row filter"
                                    + " (WHERE (id > 10))")
                    .hasMessageContaining("ALTER PUBLICATION \"filtered\" SET TABLE");
            st.execute("CREATE PUBLICATION some_columns FOR TABLE items (id, a)");
            assertThatThrownBy(() -> catalog.ensurePublication("some_columns", List.of(ITEMS)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining(
                            "publication 'some_columns' publishes public.items with a column list"
                                    + " that leaves out b");
            // A column list of every column is the whole table.
            st.execute("CREATE PUBLICATION all_columns FOR TABLE items (id, a, b)");
            catalog.ensurePublication("all_columns", List.of(ITEMS));
        }
    }

    @ParameterizedTest(name = "Postgres {0}")
    @MethodSource("io.sluice.jobs.JobTestSupport#postgresMajors")
    void generatedColumns(int major, @TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get().withPostgres(major);
        String pgDb = servers.postgres().newDatabase("generated");
        String chDb = servers.clickhouse().newDatabase("generated");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE TABLE items (id bigint PRIMARY KEY, price numeric(10,2), qty integer,"
                            + " total numeric GENERATED ALWAYS AS (price * qty) STORED)");
            st.execute("INSERT INTO items SELECT g, g * 1.5, g % 7 FROM generate_series(1, 100) g");
            JobClient job = startMirror(servers, pgDb, chDb, "public.items", tmp);
            try (ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
                awaitRows(ch, "SELECT count() FROM items FINAL", "100");
                st.execute(
                        "INSERT INTO items SELECT g, g * 1.5, g % 7 FROM generate_series(101, 120) g");
                st.execute("UPDATE items SET qty = qty + 1 WHERE id % 10 = 0");
                // Before 18 pgoutput never sends the generated column: the mirror leaves it out
                // rather than hold values it could not keep current. From 18 it is published.
                boolean published =
                        servers.postgres().serverVersionNum()
                                >= PostgresCatalog.GENERATED_COLUMNS_SINCE;
                assertThat(
                                ch.queryValue(
                                        "SELECT count() FROM system.columns WHERE database = '"
                                                + chDb
                                                + "' AND table = 'items' AND name = 'total'"))
                        .isEqualTo(published ? "1" : "0");
                List<String> expected =
                        query(
                                st,
                                "SELECT id || ' ' || price || ' ' || qty"
                                        + (published ? " || ' ' || total" : "")
                                        + " FROM items ORDER BY id");
                String sql =
                        "SELECT concat(toString(id), ' ', toString(price), ' ', toString(qty)"
                                + (published ? ", ' ', toString(total)" : "")
                                + ") FROM items FINAL WHERE NOT _is_deleted ORDER BY id";
                assertThat(awaitEqual(ch, sql, expected)).isEqualTo(expected);
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /**
     * A partitioned table: the publication publishes its partitions' changes under its own name
     * ({@code publish_via_partition_root}), a row moved to another partition included.
     */
    @ParameterizedTest(name = "Postgres {0}")
    @MethodSource("io.sluice.jobs.JobTestSupport#postgresMajors")
    void partitionedTable(int major, @TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get().withPostgres(major);
        String pgDb = servers.postgres().newDatabase("partitioned");
        String chDb = servers.clickhouse().newDatabase("partitioned");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE TABLE orders (id bigint, region text, amount integer,"
                            + " PRIMARY KEY (id, region)) PARTITION BY LIST (region)");
            st.execute("CREATE TABLE orders_eu PARTITION OF orders FOR VALUES IN ('eu')");
            st.execute("CREATE TABLE orders_us PARTITION OF orders FOR VALUES IN ('us')");
            st.execute(
                    "INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END, g"
                            + " FROM generate_series(1, 100) g");
            JobClient job = startMirror(servers, pgDb, chDb, "public.orders", tmp);
            try (ClickHouseConnection ch = JobTestSupport.clickHouse(servers, chDb)) {
                awaitRows(ch, "SELECT count() FROM orders FINAL", "100");
                st.execute("INSERT INTO orders SELECT g, 'eu', g FROM generate_series(101, 110) g");
                st.execute("UPDATE orders SET amount = amount * 10 WHERE id % 3 = 0");
                // Moved to the other partition: a delete there and an insert here.
                st.execute("UPDATE orders SET region = 'us' WHERE id IN (2, 4, 102)");
                st.execute("DELETE FROM orders WHERE id IN (5, 104)");
                List<String> expected =
                        query(
                                st,
                                "SELECT id || ' ' || region || ' ' || amount FROM orders"
                                        + " ORDER BY id, region");
                String sql =
                        "SELECT concat(toString(id), ' ', region, ' ', toString(amount))"
                                + " FROM orders FINAL WHERE NOT _is_deleted ORDER BY id, region";
                assertThat(awaitEqual(ch, sql, expected)).isEqualTo(expected);
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /** Prepares both ends for the mirror of one table and starts it. */
    private static JobClient startMirror(
            TestServers servers, String pgDb, String chDb, String table, Path tmp)
            throws Exception {
        SluiceConfig config =
                SluiceConfig.of(JobTestSupport.settings(servers, pgDb, chDb, List.of(table), tmp));
        return JobTestSupport.startMirror(config, "mirror-" + pgDb);
    }

    /** The query's first column once it equals expected, or as it is after a minute. */
    private static List<String> awaitEqual(
            ClickHouseConnection ch, String sql, List<String> expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        List<String> actual = column(ch, sql);
        while (!actual.equals(expected) && System.nanoTime() < deadline) {
            Thread.sleep(500); // polling ClickHouse for the streamed rows, with a deadline
            actual = column(ch, sql);
        }
        return actual;
    }

    private static void awaitRows(ClickHouseConnection ch, String sql, String value)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!value.equals(ch.queryValue(sql))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(sql + " is " + ch.queryValue(sql) + ", not " + value);
            }
            Thread.sleep(500); // polling ClickHouse for the snapshot, with a deadline
        }
    }

    private static List<String> column(ClickHouseConnection ch, String sql) {
        List<String> values = new ArrayList<>();
        for (List<String> row : ch.query(sql)) {
            values.add(row.get(0));
        }
        return values;
    }

    private static List<String> query(Statement st, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
