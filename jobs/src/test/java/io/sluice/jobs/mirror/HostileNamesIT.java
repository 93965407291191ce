package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The mirror of a table whose column names and values are hostile, on real servers: names with a
 * space, accents, quotes, a backquote, a backslash, a reserved word and an emoji; text values with
 * tabs, newlines, carriage returns, backslashes, quotes, {@code \N} and 1 MB texts (TOASTed, some
 * updated without being touched). The snapshot is read, changes stream in, and a column with a
 * hostile non-ASCII name is added while the job runs (the streaming decoder garbles such names;
 * Sluice must repair them). The job runs without restarts, so any failure ends the test with its
 * cause. The oracle is SQL over Postgres; both sides' queries name every column by hand.
 *
 * <p>Runs on ClickHouse 18.16 and 26.7 (their identifier parsing differs), with the default
 * Postgres.
 */
class HostileNamesIT {
    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    private static final int SNAPSHOT_ROWS = 200;

    /** The column added while the job runs: accents, quotes, a backslash, an emoji. */
    private static final String ADDED = "naïve \"x\"\\ 🙂";

    /**
     * The text columns of the table: [Postgres name, ClickHouse projection]. The 1 MB column is
     * compared by length and MD5 of its UTF-8 bytes.
     */
    private static final List<String[]> COLUMNS =
            List.of(
                    new String[] {"id::text", "toString(id)"},
                    new String[] {"\"order note\"", "`order note`"},
                    new String[] {"\"prénom\"", "`prénom`"},
                    new String[] {"\"it's \"\"quoted\"\"\"", "`it's \"quoted\"`"},
                    new String[] {"\"back\\slash\"", "`back\\\\slash`"},
                    new String[] {"\"tick`tock\"", "`tick\\`tock`"},
                    new String[] {"\"select\"::text", "toString(`select`)"},
                    new String[] {
                        "octet_length(\"große Datei\")::text", "toString(length(`große Datei`))"
                    },
                    new String[] {"md5(\"große Datei\")", "lower(hex(MD5(`große Datei`)))"});

    private static final String[] ADDED_COLUMN = {
        "\"naïve \"\"x\"\"\\ 🙂\"", "`naïve \"x\"\\\\ 🙂`"
    };

    static final List<String> TEXTS =
            List.of(
                    "tab\there",
                    "new\nline",
                    "carriage\rreturn\r\n",
                    "back\\slash \\N \\t",
                    "ends with \\",
                    "it's \"quoted\" `ticked`",
                    "\\N",
                    "",
                    "é ß 日本 🙂",
                    "a,b]['c'");

    private static final String MEGABYTE;

    static {
        StringBuilder sb = new StringBuilder(1 << 20);
        int i = 0;
        while (sb.length() < 1 << 20) {
            sb.append(TEXTS.get(i++ % TEXTS.size())).append(i);
        }
        MEGABYTE = sb.toString();
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @EnumSource(ClickHouseEngine.class)
    void hostileNamesAndValuesAreMirroredExactly(
            ClickHouseEngine engine, @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp)
            throws Exception {
        TestServers servers = TestServers.get();
        TestClickHouse clickhouse = servers.clickhouse(engine);
        String pgDb = servers.postgres().newDatabase("hostile");
        String chDb = clickhouse.newDatabase("hostile");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch =
                        new ClickHouseConnection(
                                clickhouse.url(), clickhouse.user(), clickhouse.password(), chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute(
                        "CREATE TABLE notes (id bigint PRIMARY KEY, \"order note\" text,"
                                + " \"prénom\" text, \"it's \"\"quoted\"\"\" text, \"back\\slash\""
                                + " text, \"tick`tock\" text, \"select\" integer,"
                                + " \"große Datei\" text)");
                // Stored out of line uncompressed, so a 1 MB value is TOASTed and an update that
                // does not touch it sends no value for it.
                st.execute("ALTER TABLE notes ALTER COLUMN \"große Datei\" SET STORAGE EXTERNAL");
            }
            for (int id = 1; id <= SNAPSHOT_ROWS; id++) {
                insert(pg, id);
            }
            Map<String, Object> settings =
                    JobTestSupport.settings(servers, pgDb, chDb, List.of("public.notes"), tmp);
            JobTestSupport.useClickHouse(settings, clickhouse);
            SluiceConfig config = SluiceConfig.of(settings);
            JobClient job = JobTestSupport.startMirror(config, "hostile-names-it");

            awaitEqual(pg, ch, cluster, job, COLUMNS, Duration.ofMinutes(3));

            // Streamed: new rows, updates of every column but the TOASTed one, deletes.
            for (int id = SNAPSHOT_ROWS + 1; id <= SNAPSHOT_ROWS + 60; id++) {
                insert(pg, id);
            }
            update(pg, "\"order note\"", 1, 40);
            update(pg, "\"prénom\"", 41, 80);
            touchOnlySelect(pg); // the 1 MB values stay untouched (TOAST)
            try (Statement st = pg.createStatement()) {
                st.execute("DELETE FROM notes WHERE id % 17 = 0");
            }
            awaitEqual(pg, ch, cluster, job, COLUMNS, Duration.ofMinutes(2));

            // A column with a hostile non-ASCII name, added while the job runs.
            try (Statement st = pg.createStatement()) {
                st.execute("ALTER TABLE notes ADD COLUMN " + ADDED_COLUMN[0] + " text");
            }
            for (int id = SNAPSHOT_ROWS + 61; id <= SNAPSHOT_ROWS + 100; id++) {
                insert(pg, id);
            }
            update(pg, ADDED_COLUMN[0], 1, 120);
            touchOnlySelect(pg);
            List<String[]> all = new ArrayList<>(COLUMNS);
            all.add(ADDED_COLUMN);
            awaitEqual(pg, ch, cluster, job, all, Duration.ofMinutes(2));

            Map<String, String> columns = new ClickHouseSchema(ch).columns(chDb, "notes");
            assertThat(columns)
                    .containsKeys(
                            "order note",
                            "prénom",
                            "it's \"quoted\"",
                            "back\\slash",
                            "tick`tock",
                            "select",
                            "große Datei",
                            ADDED);
            JobTestSupport.cancel(job, tmp);
        }
    }

    /** A row with hostile texts; every 50th row's big column holds 1 MB. */
    private static void insert(Connection pg, int id) throws SQLException {
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO notes (id, \"order note\", \"prénom\", \"it's \"\"quoted\"\"\","
                                + " \"back\\slash\", \"tick`tock\", \"select\", \"große Datei\")"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, id);
            for (int c = 0; c < 4; c++) {
                ps.setString(2 + c, text(id + c));
            }
            ps.setString(6, id % 7 == 0 ? null : text(id * 3));
            if (id % 5 == 0) {
                ps.setNull(7, java.sql.Types.INTEGER);
            } else {
                ps.setInt(7, id);
            }
            ps.setString(8, id % 50 == 0 ? MEGABYTE : text(id * 7));
            ps.executeUpdate();
        }
    }

    private static String text(int i) {
        return TEXTS.get(i % TEXTS.size()) + (i % 3 == 0 ? "" : " #" + i);
    }

    /** Sets {@code column} of rows {@code from..to} to hostile texts. */
    private static void update(Connection pg, String column, int from, int to) throws SQLException {
        try (PreparedStatement ps =
                pg.prepareStatement("UPDATE notes SET " + column + " = ? WHERE id = ?")) {
            for (int id = from; id <= to; id++) {
                ps.setString(1, text(id * 11));
                ps.setLong(2, id);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Changes only {@code "select"} of the rows with 1 MB values: the change carries no value. */
    private static void touchOnlySelect(Connection pg) throws SQLException {
        try (Statement st = pg.createStatement()) {
            st.execute(
                    "UPDATE notes SET \"select\" = coalesce(\"select\", 0) + 1 WHERE id % 50 = 0");
        }
    }

    private static void awaitEqual(
            Connection pg,
            ClickHouseConnection ch,
            MiniCluster cluster,
            JobClient job,
            List<String[]> columns,
            Duration timeout)
            throws Exception {
        List<List<String>> expected = postgresRows(pg, columns);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<List<String>> actual = clickHouseRows(ch, columns);
        while (!actual.equals(expected) && System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get();
            assertThat(status.isGloballyTerminalState())
                    .as("the job ended: %s", JobTestSupport.describe(cluster, job))
                    .isFalse();
            Thread.sleep(500); // polling ClickHouse for the mirror to catch up, with a deadline
            actual = clickHouseRows(ch, columns);
        }
        assertThat(MirrorJobIT.differences(expected, actual))
                .as("%s", JobTestSupport.describe(cluster, job))
                .isEmpty();
        assertThat(actual).hasSameSizeAs(expected);
    }

    private static List<List<String>> postgresRows(Connection pg, List<String[]> columns)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(columns.get(i)[0]);
        }
        // notes.id, not id: Postgres would sort by the output column id::text ("10" before "2"),
        // and the lists would never be equal while ClickHouse sorts numerically.
        sql.append(" FROM notes ORDER BY notes.id");
        List<List<String>> rows = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns.size(); i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    /** The live rows, or none while the table or a column is not there yet. */
    private static List<List<String>> clickHouseRows(
            ClickHouseConnection ch, List<String[]> columns) {
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < columns.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(columns.get(i)[1]);
        }
        sql.append(" FROM notes FINAL WHERE NOT _is_deleted ORDER BY id");
        List<List<String>> rows = new ArrayList<>();
        try {
            for (List<String> raw : ch.query(sql.toString())) {
                List<String> row = new ArrayList<>();
                for (String field : raw) {
                    row.add(TsvCodec.isNull(field) ? null : TsvCodec.unescape(field));
                }
                rows.add(row);
            }
        } catch (ClickHouseException notYet) {
            return List.of();
        }
        return rows;
    }
}
