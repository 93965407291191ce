package io.sluice.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * One dialect: every ClickHouse query the project ships ({@link ReportQueries}) and the DDL of the
 * analytics and mirror tables run on ClickHouse 18.16 (a real server) and 26.7 (the chDB engine)
 * over the same rows, and must give the same results. A query only one of them accepts fails here,
 * and so does one that means something else on each: a positional {@code ORDER BY 2} sorts by the
 * constant 2 on 18.16 and by the second column on 26.7.
 *
 * <p>Where the newer server has the better type, the DDL uses it behind a server-version gate; both
 * paths are checked against the types each server reports in {@code system.columns}.
 */
class DialectIT {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** A mirrored table with the types whose mapping depends on the server. */
    private static final PgTable USERS =
            new PgTable(
                    new TableId("public", "users"),
                    List.of(
                            new PgColumn("user_id", "bigint", false, true, 1),
                            new PgColumn("plan", "text", false, false, 0),
                            new PgColumn("created_at", "timestamp with time zone", false, true, 0),
                            new PgColumn("balance", "numeric(12,2)", false, false, 0)));

    @Test
    void everyShippedQueryGivesTheSameResultOnBothEngines() {
        List<PromotedProperty> promoted =
                PromotedProperty.parse(List.of("plan:String", "duration_ms:Int64"));
        // Rows relative to the current UTC minute, so the reports' "last 3 days" see them.
        LocalDateTime now = LocalDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        Map<ClickHouseEngine, Map<String, List<List<String>>>> results =
                new EnumMap<>(ClickHouseEngine.class);
        for (ClickHouseEngine engine : ClickHouseEngine.values()) {
            TestClickHouse server = TestServers.get().clickhouse(engine);
            System.out.println("DialectIT on " + server.describe());
            String db = server.newDatabase("dialect");
            try (ClickHouseConnection ch =
                    new ClickHouseConnection(server.url(), server.user(), server.password(), db)) {
                ServerVersion version = ch.serverVersion();
                Map<String, List<List<String>>> answers = new LinkedHashMap<>();
                for (AnalyticsTables.Table table : AnalyticsTables.all(promoted)) {
                    ch.execute(table.createSql(db, version));
                    insertFixture(ch, table.name(), columnTypes(ch, db, table.name()), now);
                }
                ch.execute(ClickHouseDdl.createMirrorTable(db, "users", USERS, version));
                insertFixture(ch, "users", columnTypes(ch, db, "users"), now);

                checkGatedTypes(ch, db, version);
                Map<String, String> queries = new LinkedHashMap<>(ReportQueries.analytics());
                queries.putAll(ReportQueries.mirror("users"));
                for (Map.Entry<String, String> q : queries.entrySet()) {
                    answers.put(q.getKey(), ch.query(q.getValue()));
                }
                results.put(engine, answers);
            }
        }
        Map<String, List<List<String>>> legacy = results.get(ClickHouseEngine.LEGACY);
        Map<String, List<List<String>>> modern = results.get(ClickHouseEngine.MODERN);
        List<String> differences = new ArrayList<>();
        for (String name : legacy.keySet()) {
            if (!sameInstants(legacy.get(name)).equals(sameInstants(modern.get(name)))) {
                differences.add(
                        name
                                + ":\n  18.16: "
                                + legacy.get(name)
                                + "\n  26.7:  "
                                + modern.get(name));
            }
            assertThat(legacy.get(name)).as("%s returns rows", name).isNotEmpty();
        }
        assertThat(differences).as("queries answering differently on 18.16 and 26.7").isEmpty();
        System.out.println("DialectIT: " + legacy.size() + " queries, same results on both");
    }

    /**
     * The gated timestamp type prints its (zero) microseconds: {@code DateTime64(6)} writes {@code
     * 10:29:00.000000} where 18.16's {@code DateTime} writes {@code 10:29:00}. The same instant;
     * nothing else is normalized.
     */
    private static List<List<String>> sameInstants(List<List<String>> rows) {
        return rows.stream()
                .map(
                        r ->
                                r.stream()
                                        .map(
                                                f ->
                                                        f.replaceAll(
                                                                "^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d)\\.0{6}$",
                                                                "$1"))
                                        .toList())
                .toList();
    }

    /** The newer types where the server has them, the one dialect's fallbacks where not. */
    private static void checkGatedTypes(ClickHouseConnection ch, String db, ServerVersion v) {
        Map<String, String> users = columnTypes(ch, db, "users");
        assertThat(users.get("created_at"))
                .isEqualTo(v.hasDateTime64() ? "DateTime64(6, 'UTC')" : "DateTime('UTC')");
        Map<String, String> perMinute = columnTypes(ch, db, "events_per_minute");
        assertThat(perMinute.get("event_name"))
                .isEqualTo(v.hasLowCardinality() ? "LowCardinality(String)" : "String");
    }

    private static Map<String, String> columnTypes(
            ClickHouseConnection ch, String db, String table) {
        Map<String, String> types = new LinkedHashMap<>();
        for (List<String> row :
                ch.query(
                        "SELECT name, type FROM system.columns WHERE database = '"
                                + db
                                + "' AND table = '"
                                + table
                                + "'")) { // in table order (18.16 has no position column)
            types.put(TsvCodec.unescape(row.get(0)), TsvCodec.unescape(row.get(1)));
        }
        return types;
    }

    /**
     * The same 40 rows for a table on every engine, from its column types: two versions of each key
     * (so {@code FINAL} matters), some deleted, dates over the last five days.
     */
    private static void insertFixture(
            ClickHouseConnection ch, String table, Map<String, String> types, LocalDateTime now) {
        Random random = new Random(table.hashCode());
        StringBuilder tsv = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            int key = i % 20;
            List<String> fields = new ArrayList<>();
            for (Map.Entry<String, String> c : types.entrySet()) {
                fields.add(value(c.getKey(), c.getValue(), key, i, random, now));
            }
            tsv.append(String.join("\t", fields)).append('\n');
        }
        ch.insertTsv(
                table,
                new ArrayList<>(types.keySet()),
                tsv.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String value(
            String column, String type, int key, int row, Random random, LocalDateTime now) {
        if (type.startsWith("Nullable(")) {
            if (random.nextInt(4) == 0) {
                return "\\N";
            }
            type = type.substring("Nullable(".length(), type.length() - 1);
        }
        switch (column) {
            case "_version":
                return Integer.toString(row + 1);
            case "_is_deleted":
                return row % 7 == 0 ? "1" : "0";
            case "_lsn":
                return Integer.toString(row + 1);
            default:
                break;
        }
        if (type.startsWith("DateTime")) {
            return SECONDS.format(now.minusMinutes(key * 37L + random.nextInt(3)));
        }
        if (type.equals("Date")) {
            LocalDate day = now.toLocalDate().minusDays(key % 5);
            return day.toString();
        }
        if (type.contains("Int")) {
            return Integer.toString(column.endsWith("_id") ? key : random.nextInt(1000));
        }
        if (type.startsWith("Float")) { // funnel_daily's median seconds
            return random.nextInt(1000) + "." + random.nextInt(1000);
        }
        if (type.startsWith("Decimal")) { // a trailing zero: 18.16 prints it, 26.7 only if asked
            return random.nextInt(1000) + "." + random.nextInt(10) + "0";
        }
        if (type.contains("String")) {
            return column.endsWith("_id") ? "k" + key : column + "-" + random.nextInt(4);
        }
        throw new IllegalStateException("no fixture value for " + column + " " + type);
    }
}
