package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.ops.Health;
import io.sluice.jobs.ops.Resync;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mirror on real servers: a 100,000-row table with every mapped type is snapshotted, then
 * inserts, updates, deletes, an added column and updates that leave a TOASTed text untouched stream
 * in while the TaskManager is killed three times at random moments; two columns are hashed as PII
 * (pgcrypto's HMAC is their oracle). The oracle is the Postgres table itself, read with SQL:
 * ClickHouse ({@code FINAL WHERE NOT _is_deleted}) must equal it row for row.
 *
 * <p>It runs once on each Postgres major Sluice supports (14 to 17, {@link
 * JobTestSupport#postgresMajors()}).
 */
class MirrorJobIT {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorJobIT.class);
    private static final int INITIAL_ROWS = 100_000;
    private static final int ROUNDS = 40;
    private static final int FAILURES = 3;
    private static final String PII_KEY = "mirror-it-pii-key-0123456789";

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    /**
     * Every Postgres version on ClickHouse 18.16, and Postgres 17 on ClickHouse 26.7 as well (the
     * ClickHouse side does not depend on the Postgres version).
     */
    static Stream<Arguments> versions() {
        List<Integer> majors = JobTestSupport.postgresMajors().toList();
        Stream<Arguments> legacy =
                majors.stream().map(m -> Arguments.of(m, ClickHouseEngine.LEGACY));
        return majors.contains(TestServers.DEFAULT_POSTGRES_MAJOR)
                ? Stream.concat(
                        legacy,
                        Stream.of(
                                Arguments.of(
                                        TestServers.DEFAULT_POSTGRES_MAJOR,
                                        ClickHouseEngine.MODERN)))
                : legacy;
    }

    @ParameterizedTest(name = "Postgres {0}, ClickHouse {1}")
    @MethodSource("versions")
    void mirrorsSnapshotAndStreamExactlyThroughFailures(
            int postgresMajor,
            ClickHouseEngine engine,
            @InjectMiniCluster MiniCluster cluster,
            @TempDir Path tmp)
            throws Exception {
        TestServers servers = TestServers.get().withPostgres(postgresMajor);
        TestClickHouse clickhouse = servers.clickhouse(engine);
        String serverVersion = servers.postgres().serverVersion();
        LOG.info("MirrorJobIT on Postgres {} and {}", serverVersion, clickhouse.describe());
        System.out.println(
                "MirrorJobIT on Postgres " + serverVersion + " and " + clickhouse.describe());
        long started = System.nanoTime();
        String pgDb = servers.postgres().newDatabase("mirror");
        String chDb = clickhouse.newDatabase("mirror");
        long seed = System.nanoTime();
        LOG.info("workload seed {}", seed);
        Random random = new Random(seed);

        try (Connection pg =
                DriverManager.getConnection(
                        servers.postgres().jdbcUrl(pgDb),
                        servers.postgres().user(),
                        servers.postgres().password())) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto"); // the PII oracle
            }
            createSourceTable(pg);
            createEventsTable(pg);
            SluiceConfig config = config(servers, clickhouse, pgDb, chDb, tmp);
            MirrorSetup.prepare(config);

            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            JobTestSupport.configure(env, config);
            JobTestSupport.restartForever(env, Duration.ofMillis(500));
            MirrorJob.build(
                    env,
                    config,
                    MirrorSource.create(config, Resync.anchor(config, "test")),
                    PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", PII_KEY)));
            JobClient job = env.executeAsync("mirror-it");

            // One failure right after the ADD COLUMN round, so a restore replays changes made
            // after the schema change from a checkpoint taken before it; the others at random.
            List<Integer> failAt = new ArrayList<>(List.of(ROUNDS / 2));
            while (failAt.size() < FAILURES) {
                int round = 3 + random.nextInt(ROUNDS - 6);
                if (!failAt.contains(round)) {
                    failAt.add(round);
                }
            }
            LOG.info("killing the TaskManager after rounds {}", failAt);
            // The snapshot completes first; the failures then hit the streaming phase. (Killing a
            // TaskManager inside this JVM leaves the snapshot readers' JDBC transactions open,
            // which would block the ALTER TABLE below; a real process kill closes them.)
            try (ClickHouseConnection ch = clickHouse(clickhouse, chDb)) {
                awaitSnapshot(ch, Duration.ofMinutes(3));
            }
            int nextId = INITIAL_ROWS + 1;
            long checkpointsAtLastKill = 0;
            for (int round = 0; round < ROUNDS; round++) {
                boolean schemaChange = round == ROUNDS / 2;
                if (schemaChange) {
                    // A checkpoint from before the ADD COLUMN; the failure right after the round
                    // then restores from it and replays the changes made after the schema change.
                    checkpointsAtLastKill =
                            JobTestSupport.awaitCheckpointAfter(
                                    cluster, job, checkpointsAtLastKill, Duration.ofMinutes(2));
                }
                nextId = streamRound(pg, random, round, nextId);
                if (failAt.contains(round)) {
                    if (!schemaChange) {
                        // Fail only after a checkpoint completed since the last failure, so each
                        // restore starts from a checkpoint taken while changes were streaming.
                        Thread.sleep(250); // lets the job read some of the round first
                        checkpointsAtLastKill =
                                JobTestSupport.awaitCheckpointAfter(
                                        cluster, job, checkpointsAtLastKill, Duration.ofMinutes(2));
                    }
                    JobTestSupport.replaceTaskManager(cluster);
                    LOG.info(
                            "killed and replaced the TaskManager after round {} ({} checkpoints completed)",
                            round,
                            checkpointsAtLastKill);
                }
                Thread.sleep(250); // paces the workload so changes stream while the job runs
            }

            try (ClickHouseConnection ch = clickHouse(clickhouse, chDb)) {
                ServerVersion version = ch.serverVersion();
                List<List<String>> expected = postgresRows(pg, version);
                assertThat(expected).hasSizeGreaterThan(INITIAL_ROWS);
                List<List<String>> actual =
                        awaitEqual(
                                expected, () -> clickHouseRows(ch, version), Duration.ofMinutes(4));
                assertThat(differences(expected, actual)).isEmpty();
                assertThat(actual).hasSameSizeAs(expected);
                // A second table with a uuid key (chunked by uuid in the snapshot).
                List<List<String>> expectedEvents = postgresEvents(pg);
                List<List<String>> actualEvents =
                        awaitEqual(
                                expectedEvents, () -> clickHouseEvents(ch), Duration.ofMinutes(1));
                assertThat(differences(expectedEvents, actualEvents)).isEmpty();

                // ./sluice health sees the running job's slot and the mirrored row counts.
                Health.Report health = Health.report(config);
                assertThat(health.slot().exists()).isTrue();
                assertThat(health.slot().active()).isTrue();
                assertThat(health.tables())
                        .extracting(Health.Table::rows)
                        .containsExactly((long) expected.size(), (long) expectedEvents.size());
            }
            try (Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                            + " AND state = 'idle in transaction'")) {
                rs.next();
                LOG.info("sessions idle in transaction at the end: {}", rs.getInt(1));
            }
            try (Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("replication slots held by the mirror").isEqualTo(1);
            }
            JobTestSupport.cancel(job, tmp);
        }
        JobTestSupport.reportRun(
                "MirrorJobIT (with " + clickhouse.describe() + ")",
                serverVersion,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private static void awaitSnapshot(ClickHouseConnection ch, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String sql = "SELECT count() FROM items FINAL";
        while (!String.valueOf(INITIAL_ROWS).equals(ch.queryValue(sql))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "snapshot not complete within "
                                + timeout
                                + ": "
                                + ch.queryValue(sql)
                                + " rows");
            }
            Thread.sleep(500); // polling ClickHouse for the snapshot's last row, with a deadline
        }
    }

    private static ClickHouseConnection clickHouse(TestClickHouse clickhouse, String database) {
        return new ClickHouseConnection(
                clickhouse.url(), clickhouse.user(), clickhouse.password(), database);
    }

    private static SluiceConfig config(
            TestServers servers, TestClickHouse clickhouse, String pgDb, String chDb, Path tmp) {
        Map<String, Object> values =
                JobTestSupport.settings(
                        servers, pgDb, chDb, List.of("public.items", "public.events"), tmp);
        JobTestSupport.useClickHouse(values, clickhouse);
        // The mirror hashes PII too: a short text and the TOASTed body (whose value an update
        // that leaves it untouched does not send).
        values.put("pii.columns", List.of("public.items.name", "public.items.body"));
        return SluiceConfig.of(values);
    }

    private static void createSourceTable(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement()) {
            st.execute("CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh')");
            st.execute(
                    "CREATE TABLE items ("
                            + " id bigint PRIMARY KEY,"
                            + " small smallint NOT NULL,"
                            + " num numeric(12,2),"
                            + " big numeric,"
                            + " r real,"
                            + " d double precision,"
                            + " flag boolean,"
                            + " name varchar(40),"
                            + " code char(4),"
                            + " uid uuid,"
                            + " day date,"
                            + " t time,"
                            + " ts timestamp,"
                            + " tstz timestamptz,"
                            + " doc jsonb,"
                            + " tags text[],"
                            + " nums integer[],"
                            + " feeling mood,"
                            + " blob bytea,"
                            + " body text)");
            // Stored out of line without compression, so a body over 2 kB is TOASTed and an
            // update that does not touch it sends no value for it.
            st.execute("ALTER TABLE items ALTER COLUMN body SET STORAGE EXTERNAL");
            st.execute(
                    "INSERT INTO items SELECT "
                            + rowValues("g")
                            + " FROM generate_series(1, "
                            + INITIAL_ROWS
                            + ") g");
        }
    }

    /** Column values for row {@code g} (an integer expression), varied across every type. */
    private static String rowValues(String g) {
        return g
                + ","
                + " ("
                + g
                + " % 30000)::smallint,"
                + " CASE WHEN "
                + g
                + " % 11 = 0 THEN NULL ELSE ("
                + g
                + " * 7.31 % 100000)::numeric(12,2) END,"
                + " ("
                + g
                + "::numeric * 123456789.123456789) ,"
                + " ("
                + g
                + " / 7.0)::real,"
                + " "
                + g
                + " / 3.0::double precision,"
                + " "
                + g
                + " % 2 = 0,"
                + " 'name ' || "
                + g
                + " || CASE WHEN "
                + g
                + " % 5 = 0 THEN E'\\t''q\\\\' ELSE '' END,"
                + " lpad(("
                + g
                + " % 1000)::text, 3, '0'),"
                + " md5("
                + g
                + "::text)::uuid,"
                + " date '2020-01-01' + ("
                + g
                + " % 2000),"
                + " time '00:00:00' + ("
                + g
                + " * interval '1.5 second'),"
                + " timestamp '2021-03-04 05:06:07.123456' + "
                + g
                + " * interval '1 minute 0.000001 second',"
                + " timestamptz '2022-01-01 00:00:00+02' + "
                + g
                + " * interval '17 seconds',"
                + " jsonb_build_object('k', "
                + g
                + ", 'tag', 'x' || ("
                + g
                + " % 7)),"
                + " CASE WHEN "
                + g
                + " % 13 = 0 THEN NULL ELSE ARRAY['a' || "
                + g
                + ", NULL, 'b''c'] END,"
                + " ARRAY["
                + g
                + ", "
                + g
                + " * 2]::integer[],"
                + " (ARRAY['happy','sad','meh'])[1 + "
                + g
                + " % 3]::mood,"
                + " decode(md5("
                + g
                + "::text), 'hex'),"
                + " CASE WHEN "
                + g
                + " % 500 = 0 THEN repeat('toast' || "
                + g
                + ", 2000) ELSE 'short ' || "
                + g
                + " END";
    }

    private static void createEventsTable(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE TABLE events (event_id uuid PRIMARY KEY, user_id bigint,"
                            + " occurred_at timestamptz, event_name text, properties jsonb)");
            st.execute(
                    "INSERT INTO events SELECT md5('e' || g)::uuid, g % 500,"
                            + " timestamptz '2024-01-01' + g * interval '1 second',"
                            + " (ARRAY['view','click','buy'])[1 + g % 3], jsonb_build_object('n', g)"
                            + " FROM generate_series(1, 20000) g");
        }
    }

    private static List<List<String>> postgresEvents(Connection pg) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT event_id::text, user_id::text, to_char(occurred_at AT TIME ZONE 'UTC',"
                                        + " 'YYYY-MM-DD HH24:MI:SS'), event_name, properties::text"
                                        + " FROM events ORDER BY event_id")) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= 5; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static List<List<String>> clickHouseEvents(ClickHouseConnection ch) {
        List<List<String>> rows = new ArrayList<>();
        for (List<String> raw :
                ch.query(
                        "SELECT toString(event_id), toString(user_id),"
                                + " substring(toString(occurred_at), 1, 19), event_name, properties"
                                + " FROM events FINAL WHERE NOT _is_deleted ORDER BY event_id")) {
            List<String> row = new ArrayList<>();
            for (String field : raw) {
                row.add(TsvCodec.isNull(field) ? null : TsvCodec.unescape(field));
            }
            rows.add(row);
        }
        return rows;
    }

    private static int streamRound(Connection pg, Random random, int round, int nextId)
            throws SQLException {
        try (Statement st = pg.createStatement()) {
            if (round == ROUNDS / 2) {
                // Postgres fills old rows with a constant default without writing WAL.
                st.execute(
                        "ALTER TABLE items ADD COLUMN extra text,"
                                + " ADD COLUMN plan text NOT NULL DEFAULT 'basic',"
                                + " ADD COLUMN quota integer DEFAULT 10");
            }
            int inserts = 100 + random.nextInt(200);
            st.execute(
                    "INSERT INTO items SELECT "
                            + rowValues("g")
                            + " FROM generate_series("
                            + nextId
                            + ", "
                            + (nextId + inserts - 1)
                            + ") g");
            nextId += inserts;
            for (int i = 0; i < 50; i++) {
                long id = 1 + random.nextInt(nextId - 1);
                switch (random.nextInt(4)) {
                    case 0 ->
                            st.execute(
                                    "UPDATE items SET num = num + 1, name = 'renamed ' || id, flag = NOT flag WHERE id = "
                                            + id);
                    case 1 ->
                            st.execute(
                                    "UPDATE items SET ts = ts + interval '1 hour', tstz = now(), doc = doc || '{\"u\": 1}' WHERE id = "
                                            + id);
                    case 2 ->
                            st.execute(
                                    "UPDATE items SET tags = array_append(tags, 'n'), nums = NULL, feeling = 'meh', body = 'rewritten ' || id WHERE id = "
                                            + id);
                    default ->
                            st.execute(
                                    "UPDATE items SET big = big * 2, r = r + 1, d = d - 1, blob = NULL WHERE id = "
                                            + id);
                }
            }
            // Rows whose body is TOASTed: change another column only.
            int toastId = 500 * (1 + random.nextInt(INITIAL_ROWS / 500));
            st.execute(
                    "UPDATE items SET small = (small + 1) % 30000 WHERE id IN ("
                            + toastId
                            + ", "
                            + (toastId + 500)
                            + ")");
            if (round > ROUNDS / 2) {
                st.execute(
                        "UPDATE items SET extra = 'extra ' || id, plan = 'pro', quota = NULL WHERE id % 97 = "
                                + (round % 97));
            }
            st.execute(
                    "INSERT INTO events SELECT gen_random_uuid(), g % 500, now(), 'stream', NULL"
                            + " FROM generate_series(1, 50) g");
            st.execute(
                    "UPDATE events SET event_name = 'corrected', properties = '{\"fixed\": true}'"
                            + " WHERE event_id IN (SELECT event_id FROM events ORDER BY random() LIMIT 10)");
            st.execute(
                    "DELETE FROM events WHERE event_id IN (SELECT event_id FROM events ORDER BY random() LIMIT 5)");
            st.execute(
                    "DELETE FROM items WHERE id IN (SELECT id FROM items ORDER BY random() LIMIT "
                            + (5 + random.nextInt(20))
                            + ")");
        }
        return nextId;
    }

    /** Each column as comparable text; the same projection is written for both databases. */
    private static List<String[]> columns(ServerVersion ch) {
        String tsFormat = ch.hasDateTime64() ? "YYYY-MM-DD HH24:MI:SS.US" : "YYYY-MM-DD HH24:MI:SS";
        List<String[]> c = new ArrayList<>();
        c.add(new String[] {"id::text", "toString(id)"});
        c.add(new String[] {"small::text", "toString(small)"});
        c.add(new String[] {"num::text", "num"}); // keeps its scale: see ClickHouseConnection
        c.add(new String[] {"big::text", "big"});
        // real: the exact binary value as a double on both sides (real::numeric keeps only 6
        // digits)
        c.add(new String[] {"r::float8::text", "toString(toFloat64(r))"});
        c.add(new String[] {"round(d::numeric, 6)::float8::text", "toString(round(d, 6))"});
        c.add(new String[] {"flag::int::text", "toString(flag)"});
        // pii.columns: the oracle is pgcrypto's HMAC, independent of the job's hasher.
        c.add(new String[] {"encode(hmac(name, '" + PII_KEY + "', 'sha256'), 'hex')", "name"});
        c.add(new String[] {"code", "code"});
        c.add(new String[] {"uid::text", "toString(uid)"});
        c.add(new String[] {"day::text", "toString(day)"});
        c.add(new String[] {"t::text", "t"});
        c.add(new String[] {"to_char(ts, '" + tsFormat + "')", "toString(ts)"});
        c.add(
                new String[] {
                    "to_char(tstz AT TIME ZONE 'UTC', '" + tsFormat + "')", "toString(tstz)"
                });
        c.add(new String[] {"doc::text", "doc"});
        c.add(
                new String[] {
                    "COALESCE(array_to_string(tags, '|', 'NULL'), '')",
                    "arrayStringConcat(arrayMap(x -> ifNull(x, 'NULL'), tags), '|')"
                });
        c.add(
                new String[] {
                    "COALESCE(array_to_string(nums, '|', 'NULL'), '')",
                    "arrayStringConcat(arrayMap(x -> ifNull(toString(x), 'NULL'), nums), '|')"
                });
        c.add(new String[] {"feeling::text", "feeling"});
        c.add(new String[] {"encode(blob, 'hex')", "lower(hex(blob))"});
        c.add(
                new String[] {
                    "md5(encode(hmac(body, '" + PII_KEY + "', 'sha256'), 'hex'))",
                    "lower(hex(MD5(body)))"
                });
        c.add(new String[] {"extra", "extra"});
        c.add(new String[] {"plan", "plan"});
        c.add(new String[] {"quota::text", "toString(quota)"});
        return c;
    }

    private static List<List<String>> postgresRows(Connection pg, ServerVersion ch)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<String[]> cols = columns(ch);
        for (int i = 0; i < cols.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(cols.get(i)[0]);
        }
        sql.append(" FROM items ORDER BY id");
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= cols.size(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    private static List<List<String>> clickHouseRows(
            ClickHouseConnection ch, ServerVersion version) {
        StringBuilder sql = new StringBuilder("SELECT ");
        List<String[]> cols = columns(version);
        for (int i = 0; i < cols.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(cols.get(i)[1]);
        }
        sql.append(" FROM items FINAL WHERE NOT _is_deleted ORDER BY id");
        List<List<String>> rows = new ArrayList<>();
        for (List<String> raw : ch.query(sql.toString())) {
            List<String> row = new ArrayList<>();
            for (String field : raw) {
                row.add(TsvCodec.isNull(field) ? null : TsvCodec.unescape(field));
            }
            rows.add(row);
        }
        return rows;
    }

    private static List<List<String>> awaitEqual(
            List<List<String>> expected,
            java.util.function.Supplier<List<List<String>>> actual,
            Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<List<String>> last = read(actual);
        while (!differences(expected, last).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1_000); // polling an external system for a condition, with a deadline
            last = read(actual);
        }
        return last;
    }

    /** The rows, or none while the mirror has not caught up enough to run the query. */
    private static List<List<String>> read(java.util.function.Supplier<List<List<String>>> actual) {
        try {
            return actual.get();
        } catch (io.sluice.common.clickhouse.ClickHouseException e) {
            LOG.info(
                    "ClickHouse not caught up yet: {}",
                    e.getMessage().lines().findFirst().orElse(""));
            return List.of();
        }
    }

    /** Up to 10 human-readable differences, empty when equal. */
    static List<String> differences(List<List<String>> expected, List<List<String>> actual) {
        List<String> diffs = new ArrayList<>();
        Map<String, List<String>> byId = new HashMap<>();
        for (List<String> row : actual) {
            byId.put(row.get(0), row);
        }
        for (List<String> row : expected) {
            List<String> other = byId.remove(row.get(0));
            if (other == null) {
                diffs.add("missing in ClickHouse: " + row);
            } else if (!other.equals(row)) {
                diffs.add("differs: postgres " + row + "\n         clickhouse " + other);
            }
            if (diffs.size() >= 10) {
                return diffs;
            }
        }
        for (List<String> row : byId.values()) {
            diffs.add("only in ClickHouse: " + row);
            if (diffs.size() >= 10) {
                break;
            }
        }
        return diffs;
    }
}
