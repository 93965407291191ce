package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.clickhouse.MirrorDeadLetters;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
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
 * A fuzz-style test of the mirror on real servers: a table whose column names are drawn at random
 * from hostile pieces (spaces, accents, quotes, backslashes, reserved words, an emoji), one column
 * per class of hostile value, filled with random values of that class: text with tabs, newlines and
 * backslashes, NUL-free binary, a 5 MB text, {@code NaN} and {@code Infinity} numerics, {@code
 * infinity} and pre-1970 timestamps and dates, {@code time '24:00'}, arrays of a composite type, an
 * enum and a domain. Rows are read by the snapshot, then inserted, updated and deleted while the
 * job runs, which must not restart.
 *
 * <p>The verdict, per row, against SQL over Postgres: the row is mirrored exactly, or its change is
 * in {@value MirrorDeadLetters#TABLE} with its reason. Which values ClickHouse cannot hold is
 * decided here, independently of the sink, from the documented ranges of its types; a row with such
 * a value must be a dead letter, and every other row must be exact. The seed is fixed ({@code
 * -Dsluice.fuzz.seed} to try others) and is printed in every failure.
 */
class MirrorFuzzIT {
    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    private static final long SEED = Long.getLong("sluice.fuzz.seed", 20261201L);
    private static final int SNAPSHOT_ROWS = 150;
    private static final int STREAMED_ROWS = 150;

    private static final String[] NAME_PIECES = {
        "order note",
        "prénom",
        "it's",
        "back\\slash",
        "select",
        "tick`tock",
        "naïve 🙂",
        "from",
        "a\"b",
        "Straße",
        "group by",
        "x\ty"
    };

    /** A class of hostile values: its Postgres type and how each side projects it to text. */
    enum Kind {
        TEXT("text"),
        BINARY("bytea"),
        DECIMAL("numeric(12,3)"),
        NUMERIC("numeric"),
        FLOAT("double precision"),
        TIMESTAMP("timestamp"),
        TIMESTAMPTZ("timestamptz"),
        DATE("date"),
        TIME("time"),
        PAIRS("pair[]"),
        ENUM("mood"),
        DOMAIN("posint");

        final String pgType;

        Kind(String pgType) {
            this.pgType = pgType;
        }
    }

    private record Column(String name, Kind kind) {}

    @ParameterizedTest(name = "ClickHouse {0}")
    @EnumSource(ClickHouseEngine.class)
    void everyRowIsMirroredExactlyOrDeadLetteredWithItsReason(
            ClickHouseEngine engine, @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp)
            throws Exception {
        Random random = new Random(SEED);
        TestServers servers = TestServers.get();
        TestClickHouse clickhouse = servers.clickhouse(engine);
        String pgDb = servers.postgres().newDatabase("fuzz");
        String chDb = clickhouse.newDatabase("fuzz");
        List<Column> columns = columns(random);
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch =
                        new ClickHouseConnection(
                                clickhouse.url(), clickhouse.user(), clickhouse.password(), chDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE TYPE pair AS (a integer, b text)");
                st.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'très \"bien\"')");
                st.execute("CREATE DOMAIN posint AS integer CHECK (VALUE > 0)");
                StringBuilder ddl = new StringBuilder("CREATE TABLE fuzz (id bigint PRIMARY KEY");
                for (Column c : columns) {
                    ddl.append(", ").append(pgName(c.name)).append(' ').append(c.kind.pgType);
                }
                st.execute(ddl.append(")").toString());
            }
            for (int id = 1; id <= SNAPSHOT_ROWS; id++) {
                insert(pg, columns, random, id);
            }
            Map<String, Object> settings =
                    JobTestSupport.settings(servers, pgDb, chDb, List.of("public.fuzz"), tmp);
            JobTestSupport.useClickHouse(settings, clickhouse);
            SluiceConfig config = SluiceConfig.of(settings);
            JobClient job = JobTestSupport.startMirror(config, "mirror-fuzz-it");

            awaitVerdict(pg, ch, cluster, job, columns, engine, Duration.ofMinutes(3));

            for (int id = SNAPSHOT_ROWS + 1; id <= SNAPSHOT_ROWS + STREAMED_ROWS; id++) {
                insert(pg, columns, random, id);
            }
            for (int i = 0; i < 150; i++) {
                int id = 1 + random.nextInt(SNAPSHOT_ROWS + STREAMED_ROWS);
                Column c = columns.get(random.nextInt(columns.size()));
                try (Statement st = pg.createStatement()) {
                    st.execute(
                            "UPDATE fuzz SET "
                                    + pgName(c.name)
                                    + " = "
                                    + value(c.kind, random, false)
                                    + " WHERE id = "
                                    + id);
                }
            }
            try (Statement st = pg.createStatement()) {
                st.execute("DELETE FROM fuzz WHERE id % 13 = 0");
            }
            awaitVerdict(pg, ch, cluster, job, columns, engine, Duration.ofMinutes(3));

            // The job is still running, and the run was not vacuous: rows were dead-lettered and
            // most rows were compared value by value.
            assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
            Map<Long, List<String>> rows = postgresRows(pg, columns);
            long unrepresentable =
                    rows.values().stream()
                            .filter(
                                    row -> {
                                        for (int i = 0; i < columns.size(); i++) {
                                            if (!fits(columns.get(i).kind, row.get(i), engine)) {
                                                return true;
                                            }
                                        }
                                        return false;
                                    })
                            .count();
            assertThat(unrepresentable).as("rows ClickHouse cannot hold").isPositive();
            assertThat(rows.size() - unrepresentable).as("rows compared").isGreaterThan(150);
            assertThat(deadLetters(ch)).hasSizeGreaterThanOrEqualTo((int) unrepresentable);
            JobTestSupport.cancel(job, tmp);
        }
    }

    /** One column per kind, each named from two random pieces and its position. */
    private static List<Column> columns(Random random) {
        List<Column> columns = new ArrayList<>();
        int i = 0;
        for (Kind kind : Kind.values()) {
            String name =
                    NAME_PIECES[random.nextInt(NAME_PIECES.length)]
                            + (random.nextBoolean() ? " " : "")
                            + NAME_PIECES[random.nextInt(NAME_PIECES.length)]
                            + " "
                            + i++;
            columns.add(new Column(name, kind));
        }
        return columns;
    }

    private static String pgName(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    private static String literal(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private static final String FIVE_MB;

    static {
        StringBuilder sb = new StringBuilder(5 << 20);
        while (sb.length() < 5 << 20) {
            sb.append("tab\there, new\nline, back\\slash é 🙂 ").append(sb.length());
        }
        FIVE_MB = sb.toString();
    }

    private static final String[] TEXTS = {
        "tab\there",
        "new\nline",
        "cr\r\n",
        "back\\slash \\N \\t",
        "ends with \\",
        "\\N",
        "",
        "it's \"quoted\" `ticked`",
        "é ß 日本 🙂",
        "a,b]['c'",
        "(1,\"x\")",
        "{\"k\": [1]}",
        "NULL"
    };

    /** A random value of the kind, as a Postgres literal. */
    private static String value(Kind kind, Random r, boolean snapshotted) {
        if (r.nextInt(12) == 0) {
            return "NULL";
        }
        switch (kind) {
            case TEXT:
                return r.nextInt(60) == 0
                        ? literal(FIVE_MB)
                        : literal(TEXTS[r.nextInt(TEXTS.length)] + r.nextInt(100));
            case BINARY:
                {
                    StringBuilder hex = new StringBuilder("'\\x");
                    int n = r.nextInt(40);
                    for (int i = 0; i < n; i++) {
                        hex.append(String.format("%02x", 1 + r.nextInt(255)));
                    }
                    return hex.append("'::bytea").toString();
                }
            case DECIMAL:
            case NUMERIC:
                {
                    int pick = r.nextInt(10);
                    // The snapshot reads numeric NaN as NULL, so NaN comes while streaming.
                    // Postgres 14's numeric infinities are left out: neither the snapshot nor
                    // the streaming decoder of the pinned Flink CDC can read them (both fail;
                    // docs/known-limitations.md).
                    if (pick == 0 && !snapshotted) {
                        return "'NaN'";
                    }
                    long units = r.nextLong() % 1_000_000_000L;
                    return java.math.BigDecimal.valueOf(units, 3).toPlainString();
                }
            case FLOAT:
                {
                    int pick = r.nextInt(8);
                    if (pick == 0) {
                        return "'NaN'";
                    } else if (pick == 1) {
                        return r.nextBoolean() ? "'Infinity'" : "'-Infinity'";
                    }
                    return Double.toString((r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(30)));
                }
            case TIMESTAMP:
            case TIMESTAMPTZ:
                {
                    int pick = r.nextInt(20);
                    if (pick == 0) {
                        return r.nextBoolean() ? "'infinity'" : "'-infinity'";
                    }
                    // Mostly 1970..2105, which every server holds; 1900..1970 and 2105..2300
                    // sometimes. Whole seconds: 18.16 keeps whole seconds only.
                    long from = pick == 1 ? -2208988800L : 0L;
                    long to = pick == 2 ? 10413792000L : 4291747199L;
                    long s = from + (long) (r.nextDouble() * (to - from));
                    String text =
                            java.time.LocalDateTime.ofEpochSecond(s, 0, java.time.ZoneOffset.UTC)
                                    .toString()
                                    .replace('T', ' ');
                    return literal(text + (kind == Kind.TIMESTAMPTZ ? "+00" : ""));
                }
            case DATE:
                {
                    int pick = r.nextInt(20);
                    if (pick == 0) {
                        return r.nextBoolean() ? "'infinity'" : "'-infinity'";
                    }
                    long from = pick == 1 ? -25567 : 0; // 1900 or 1970
                    long to = pick == 2 ? 65535 : 49674; // 2149-06-06 or 2105-12-31
                    long day = from + (long) (r.nextDouble() * (to - from + 1));
                    return literal(java.time.LocalDate.ofEpochDay(day).toString());
                }
            case TIME:
                {
                    // The snapshot reads a time to the millisecond, and 24:00 as 00:00
                    // (docs/known-limitations.md): microseconds and 24:00 come while streaming.
                    if (r.nextInt(8) == 0 && !snapshotted) {
                        return "'24:00'";
                    }
                    long micros = (long) (r.nextDouble() * 86_400_000_000L);
                    if (snapshotted) {
                        micros -= micros % 1000;
                    }
                    return literal(java.time.LocalTime.ofNanoOfDay(micros * 1000).toString());
                }
            case PAIRS:
                {
                    int n = r.nextInt(4);
                    StringBuilder sb = new StringBuilder("ARRAY[");
                    for (int i = 0; i < n; i++) {
                        sb.append(i == 0 ? "" : ", ")
                                .append("ROW(")
                                .append(r.nextInt(1000))
                                .append(", ")
                                .append(literal(TEXTS[r.nextInt(TEXTS.length)]))
                                .append(")::pair");
                    }
                    return sb.append("]::pair[]").toString();
                }
            case ENUM:
                {
                    String[] labels = {"sad", "ok", "happy", "très \"bien\""};
                    return literal(labels[r.nextInt(labels.length)]);
                }
            case DOMAIN:
                return Integer.toString(1 + r.nextInt(Integer.MAX_VALUE - 1));
            default:
                throw new IllegalStateException(kind.name());
        }
    }

    private static void insert(Connection pg, List<Column> columns, Random random, int id)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO fuzz (id");
        for (Column c : columns) {
            sql.append(", ").append(pgName(c.name));
        }
        sql.append(") VALUES (").append(id);
        for (Column c : columns) {
            sql.append(", ").append(value(c.kind, random, id <= SNAPSHOT_ROWS));
        }
        try (Statement st = pg.createStatement()) {
            st.execute(sql.append(")").toString());
        }
    }

    // ---- the oracle --------------------------------------------------------------------------

    private static String pgProjection(Column c) {
        String n = pgName(c.name);
        switch (c.kind) {
            case BINARY:
                return "encode(" + n + ", 'hex')";
            case TIMESTAMP:
            case TIMESTAMPTZ:
                return "extract(epoch from " + n + ")::text";
            case DATE:
                return "CASE WHEN isfinite("
                        + n
                        + ") THEN ("
                        + n
                        + " - date '1970-01-01')::text"
                        + " ELSE "
                        + n
                        + "::text END";
            case PAIRS:
                // each element's text, NULL elements marked; a NULL array reads as [] in ClickHouse
                return "coalesce(array_to_string(ARRAY(SELECT coalesce(e::text, '<null>') FROM"
                        + " unnest("
                        + n
                        + ") e), chr(1)), '')";
            default:
                return n + "::text";
        }
    }

    private static String chProjection(Column c, ClickHouseEngine engine) {
        String n = io.sluice.common.clickhouse.ClickHouseSql.identifier(c.name);
        switch (c.kind) {
            case BINARY:
                return "lower(hex(" + n + "))";
            case TIMESTAMP:
            case TIMESTAMPTZ:
                return engine == ClickHouseEngine.LEGACY
                        ? "toString(toUnixTimestamp(" + n + "))"
                        : "toString(toUnixTimestamp64Micro(" + n + "))";
            case PAIRS:
                return "arrayStringConcat(arrayMap(x -> ifNull(x, '<null>'), " + n + "), '\\x01')";
            case DATE:
                return engine == ClickHouseEngine.LEGACY
                        ? "toString(toUInt16(" + n + "))"
                        : "toString(toInt32(" + n + "))";
            default:
                return "toString(" + n + ")";
        }
    }

    private static Map<Long, List<String>> postgresRows(Connection pg, List<Column> columns)
            throws SQLException {
        StringBuilder sql = new StringBuilder("SELECT id");
        for (Column c : columns) {
            sql.append(", ").append(pgProjection(c));
        }
        sql.append(" FROM fuzz");
        Map<Long, List<String>> rows = new TreeMap<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql.toString())) {
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 0; i < columns.size(); i++) {
                    row.add(rs.getString(i + 2));
                }
                rows.put(rs.getLong(1), row);
            }
        }
        return rows;
    }

    private static Map<Long, List<String>> clickHouseRows(
            ClickHouseConnection ch, List<Column> columns, ClickHouseEngine engine) {
        StringBuilder sql = new StringBuilder("SELECT id");
        for (Column c : columns) {
            sql.append(", ").append(chProjection(c, engine));
        }
        sql.append(" FROM fuzz FINAL WHERE NOT _is_deleted");
        Map<Long, List<String>> rows = new TreeMap<>();
        try {
            for (List<String> raw : ch.query(sql.toString())) {
                List<String> row = new ArrayList<>();
                for (String field : raw.subList(1, raw.size())) {
                    row.add(TsvCodec.isNull(field) ? null : TsvCodec.unescape(field));
                }
                rows.put(Long.parseLong(raw.get(0)), row);
            }
        } catch (ClickHouseException notYet) {
            return Map.of();
        }
        return rows;
    }

    /** Dead letters per row key: the reasons. */
    private static Map<String, List<String>> deadLetters(ClickHouseConnection ch) {
        Map<String, List<String>> letters = new HashMap<>();
        try {
            for (List<String> raw :
                    ch.query(
                            "SELECT row_key, reason FROM "
                                    + MirrorDeadLetters.TABLE
                                    + " FINAL WHERE source_table = 'public.fuzz'")) {
                letters.computeIfAbsent(TsvCodec.unescape(raw.get(0)), k -> new ArrayList<>())
                        .add(TsvCodec.unescape(raw.get(1)));
            }
        } catch (ClickHouseException none) {
            return Map.of();
        }
        return letters;
    }

    private static void awaitVerdict(
            Connection pg,
            ClickHouseConnection ch,
            MiniCluster cluster,
            JobClient job,
            List<Column> columns,
            ClickHouseEngine engine,
            Duration timeout)
            throws Exception {
        Map<Long, List<String>> expected = postgresRows(pg, columns);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> problems = problems(expected, ch, columns, engine);
        while (!problems.isEmpty() && System.nanoTime() < deadline) {
            JobStatus status = job.getJobStatus().get();
            assertThat(status.isGloballyTerminalState())
                    .as("the job ended: %s", JobTestSupport.describe(cluster, job))
                    .isFalse();
            Thread.sleep(1000); // polling ClickHouse for the mirror to catch up, with a deadline
            problems = problems(expected, ch, columns, engine);
        }
        assertThat(problems)
                .as("seed %d, columns %s, %s", SEED, columns, JobTestSupport.describe(cluster, job))
                .isEmpty();
    }

    private static List<String> problems(
            Map<Long, List<String>> expected,
            ClickHouseConnection ch,
            List<Column> columns,
            ClickHouseEngine engine) {
        Map<Long, List<String>> actual = clickHouseRows(ch, columns, engine);
        Map<String, List<String>> letters = deadLetters(ch);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<Long, List<String>> e : expected.entrySet()) {
            List<String> want = e.getValue();
            List<String> got = actual.get(e.getKey());
            List<String> unrepresentable = new ArrayList<>();
            Map<String, String> diff = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                Column c = columns.get(i);
                if (!fits(c.kind, want.get(i), engine)) {
                    unrepresentable.add(c.name);
                }
                String g = got == null ? "<no row>" : got.get(i);
                if (!same(c.kind, want.get(i), g, engine)) {
                    diff.put(c.kind + "", trim(want.get(i) + " vs " + g));
                }
            }
            List<String> reasons = letters.get(e.getKey().toString());
            if (!unrepresentable.isEmpty()) {
                if (reasons == null) {
                    problems.add(
                            "row "
                                    + e.getKey()
                                    + " holds values ClickHouse cannot ("
                                    + unrepresentable
                                    + ") but is not a dead letter; ClickHouse has "
                                    + diff);
                }
            } else if (!diff.isEmpty()) {
                problems.add("row " + e.getKey() + " differs: " + diff + ", letters " + reasons);
            }
        }
        for (Long id : actual.keySet()) {
            if (!expected.containsKey(id)) {
                problems.add("row " + id + " is deleted in Postgres");
            }
        }
        return problems;
    }

    /** The seconds and days each engine's mirror columns hold (docs/mirror.md). */
    private static final long LAST_SECOND_LEGACY = 4291747199L; // 2105-12-31 23:59:59

    private static final long FIRST_SECOND_MODERN = -2208988800L; // 1900-01-01

    private static final long LAST_SECOND_MODERN = 10413791999L; // 2299-12-31 23:59:59

    private static final long LAST_DAY = 49674; // 2105-12-31

    /** Whether ClickHouse's column holds the Postgres value, decided from the types' ranges. */
    private static boolean fits(Kind kind, String pg, ClickHouseEngine engine) {
        if (pg == null) {
            return true;
        }
        switch (kind) {
            case DECIMAL:
                return !pg.equals("NaN");
            case TIMESTAMP:
            case TIMESTAMPTZ:
                {
                    if (pg.endsWith("Infinity")) {
                        return false;
                    }
                    double s = Double.parseDouble(pg);
                    return engine == ClickHouseEngine.LEGACY
                            ? s >= 0 && s <= LAST_SECOND_LEGACY
                            : s >= FIRST_SECOND_MODERN && s <= LAST_SECOND_MODERN;
                }
            case DATE:
                {
                    if (pg.endsWith("infinity")) {
                        return false;
                    }
                    long day = Long.parseLong(pg);
                    return day >= 0 && day <= LAST_DAY;
                }
            default:
                return true;
        }
    }

    /** Whether the two sides' projections hold the same value of the kind. */
    private static boolean same(Kind kind, String pg, String ch, ClickHouseEngine engine) {
        if (kind == Kind.PAIRS && pg == null) {
            pg = "";
        }
        if ("<no row>".equals(ch)) {
            return false;
        }
        if (pg == null || ch == null) {
            return pg == null && ch == null;
        }
        try {
            return sameValue(kind, pg, ch, engine);
        } catch (NumberFormatException e) {
            return false; // an infinity or NaN on one side only
        }
    }

    private static boolean sameValue(Kind kind, String pg, String ch, ClickHouseEngine engine) {
        switch (kind) {
            case FLOAT:
                {
                    double a = number(pg);
                    double b = number(ch);
                    // 18.16 reads float text with a fast parse that can land one unit off in the
                    // last place (docs/mirror.md); newer servers are told to read it exactly.
                    return Double.compare(a, b) == 0
                            || engine == ClickHouseEngine.LEGACY
                                    && (b == Math.nextUp(a) || b == Math.nextDown(a));
                }
            case DECIMAL:
            case NUMERIC:
                try {
                    return new java.math.BigDecimal(pg).compareTo(new java.math.BigDecimal(ch))
                            == 0;
                } catch (NumberFormatException special) {
                    return pg.equals(ch); // NaN, Infinity, -Infinity: Postgres' own text
                }
            case TIMESTAMP:
            case TIMESTAMPTZ:
                {
                    java.math.BigDecimal seconds = new java.math.BigDecimal(pg);
                    java.math.BigDecimal got =
                            engine == ClickHouseEngine.LEGACY
                                    ? new java.math.BigDecimal(ch)
                                    : new java.math.BigDecimal(ch).movePointLeft(6);
                    return seconds.compareTo(got) == 0;
                }
            default:
                return pg.equals(ch);
        }
    }

    private static double number(String text) {
        switch (text) {
            case "NaN", "nan":
                return Double.NaN;
            case "Infinity", "inf":
                return Double.POSITIVE_INFINITY;
            case "-Infinity", "-inf":
                return Double.NEGATIVE_INFINITY;
            default:
                return Double.parseDouble(text);
        }
    }

    private static String trim(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
