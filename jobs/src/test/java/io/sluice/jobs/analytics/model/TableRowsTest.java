package io.sluice.jobs.analytics.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each typed row writes the columns of its table's CREATE TABLE, in order (read from the checked-in
 * sql/clickhouse/analytics.sql, not from the code), and encodes a sample row as the ClickHouse text
 * written out here by hand.
 */
class TableRowsTest {
    /** The promoted properties sql/clickhouse/analytics.sql was generated with. */
    static final List<PromotedProperty> PROMOTED =
            PromotedProperty.parse(List.of("plan:String", "path:String", "duration_ms:Int64"));

    static final long DAY = LocalDate.parse("2026-11-20").toEpochDay();

    private static Map<String, List<String>> ddl;

    @BeforeAll
    static void readDdl() throws Exception {
        ddl = new HashMap<>();
        Pattern create = Pattern.compile("CREATE TABLE IF NOT EXISTS `analytics`\\.`(\\w+)` \\(");
        Pattern column = Pattern.compile("^ {4}`(\\w+)` ");
        List<String> columns = null;
        for (String line :
                Files.readAllLines(Path.of("..", "sql", "clickhouse", "analytics.sql"))) {
            Matcher c = create.matcher(line);
            Matcher col = column.matcher(line);
            if (c.find()) {
                columns = new ArrayList<>();
                ddl.put(c.group(1), columns);
            } else if (line.startsWith(")")) {
                columns = null;
            } else if (columns != null && col.find()) {
                columns.add(col.group(1));
            }
        }
        assertThat(ddl).hasSize(19);
    }

    static long us(String at) {
        Instant i = Instant.parse(at);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    // --- events -----------------------------------------------------------------------------

    @Test
    void eventRowWritesTheEventsColumns() {
        assertThat(EventRow.encoder(PROMOTED).columns()).isEqualTo(ddl.get("events"));
    }

    @Test
    void eventRowEncodesASample() throws Exception {
        EventRow row =
                new EventRow(
                        "e1",
                        "u1",
                        us("2026-11-20T10:00:00.123456Z"),
                        "click",
                        "{\"x\":1}",
                        new String[] {"pro", null, "250"},
                        42,
                        false);
        AnalyticsRow wire = EventRow.encoder(PROMOTED).encode(row);
        assertThat(wire.table).isEqualTo("events");
        assertThat(wire.key).isEqualTo("click\u0000" + 1795168800L + "\u0000u1\u0000e1");
        assertThat(wire.version).isEqualTo(42);
        assertThat(wire.fields)
                .containsExactly(
                        "e1",
                        "u1",
                        "2026-11-20 10:00:00",
                        "1795168800123456",
                        "click",
                        "{\"x\":1}",
                        "pro",
                        null,
                        "250",
                        "42",
                        "0");
        EventRow tombstone = new EventRow("e1", "u1", 0, "click", "{}", new String[3], 43, true);
        assertThat(EventRow.encoder(PROMOTED).encode(tombstone).fields).endsWith("43", "1");
    }

    @Test
    void theEventsEncoderSurvivesJavaSerialization() throws Exception {
        // Operators hold it as a field, and Flink ships operators serialized.
        RowEncoder<EventRow> copy = InstantiationUtil.clone(EventRow.encoder(PROMOTED));
        EventRow row = new EventRow("e", "u", 0, "n", "{}", new String[] {"a", "b", "1"}, 1, false);
        assertThat(copy.encode(row)).isEqualTo(EventRow.encoder(PROMOTED).encode(row));
    }

    // --- dead letters and late events ---------------------------------------------------------

    @Test
    void deadLetterRowWritesTheDeadLettersColumns() {
        assertThat(DeadLetterRow.ENCODER.columns()).isEqualTo(ddl.get("dead_letters"));
    }

    @Test
    void deadLetterRowEncodesASample() {
        AnalyticsRow wire =
                new DeadLetterRow("public.events", "e9", "user_id is NULL", "{\"a\":1}", 3, false)
                        .encode();
        assertThat(wire.table).isEqualTo("dead_letters");
        assertThat(wire.key).isEqualTo("public.events\u0000e9");
        assertThat(wire.version).isEqualTo(3);
        assertThat(wire.fields)
                .containsExactly("public.events", "e9", "user_id is NULL", "{\"a\":1}", "3", "0");
    }

    @Test
    void lateEventRowWritesTheLateEventsColumns() {
        assertThat(LateEventRow.ENCODER.columns()).isEqualTo(ddl.get("late_events"));
    }

    @Test
    void lateEventRowEncodesASample() {
        AnalyticsRow wire =
                new LateEventRow(
                                "e2",
                                "u2",
                                us("2026-11-20T09:59:59.999Z"),
                                "buy",
                                Instant.parse("2026-11-20T11:00:00.5Z").toEpochMilli(),
                                "event",
                                7)
                        .encode();
        assertThat(wire.table).isEqualTo("late_events");
        assertThat(wire.key).isEqualTo("e2\u0000event\u00007");
        assertThat(wire.fields)
                .containsExactly(
                        "e2",
                        "u2",
                        "2026-11-20 09:59:59",
                        "1795168799999000",
                        "buy",
                        "2026-11-20 11:00:00",
                        "event",
                        "7");
        // Before the first watermark: the epoch.
        AnalyticsRow unknown =
                new LateEventRow("e3", "", 0, "", Long.MIN_VALUE, "unknown-delete", 8).encode();
        assertThat(unknown.fields)
                .containsExactly(
                        "e3",
                        "",
                        "1970-01-01 00:00:00",
                        "0",
                        "",
                        "1970-01-01 00:00:00",
                        "unknown-delete",
                        "8");
    }

    // --- rollups ------------------------------------------------------------------------------

    @Test
    void eventsPerWindowRowWritesTheColumnsOfEachWindowTable() {
        for (String table : List.of("events_per_minute", "events_per_5m", "events_per_hour")) {
            assertThat(EventsPerWindowRow.encoder(table).columns())
                    .as(table)
                    .isEqualTo(ddl.get(table));
        }
    }

    @Test
    void eventsPerWindowRowEncodesASample() {
        long start = Instant.parse("2026-11-20T10:05:00Z").toEpochMilli();
        AnalyticsRow wire = new EventsPerWindowRow("events_per_5m", start, "click", 3, 9).encode();
        assertThat(wire.table).isEqualTo("events_per_5m");
        assertThat(wire.key).isEqualTo(start + "\u0000click");
        assertThat(wire.version).isEqualTo(9);
        assertThat(wire.fields).containsExactly("2026-11-20 10:05:00", "click", "3", "9");
        assertThat(wire.get("window_start")).isEqualTo("2026-11-20 10:05:00");
        assertThatThrownBy(() -> EventsPerWindowRow.encoder("events"))
                .hasMessageContaining("not an events-per-window table");
    }

    @Test
    void activeUsersDailyRowWritesTheActiveUsersDailyColumns() {
        assertThat(ActiveUsersDailyRow.ENCODER.columns()).isEqualTo(ddl.get("active_users_daily"));
    }

    @Test
    void activeUsersDailyRowEncodesASample() {
        AnalyticsRow wire = new ActiveUsersDailyRow(DAY, 1, 2, 3, 11).encode();
        assertThat(wire.table).isEqualTo("active_users_daily");
        assertThat(wire.key).isEqualTo(Long.toString(DAY));
        assertThat(wire.fields).containsExactly("2026-11-20", "1", "2", "3", "11");
    }

    @Test
    void sessionsDailyRowWritesTheSessionsDailyColumns() {
        assertThat(SessionsDailyRow.ENCODER.columns()).isEqualTo(ddl.get("sessions_daily"));
    }

    @Test
    void sessionsDailyRowEncodesASample() {
        AnalyticsRow wire = new SessionsDailyRow(DAY, "u1", 2, 1, 7, 5).encode();
        assertThat(wire.table).isEqualTo("sessions_daily");
        assertThat(wire.key).isEqualTo("2026-11-20|u1");
        assertThat(wire.fields)
                .containsExactly("2026-11-20|u1", "u1", "2026-11-20", "2", "1", "7", "5");
    }

    // --- errors -------------------------------------------------------------------------------

    @Test
    void errorsRowWritesTheErrorsColumnsAndItsRate() {
        for (String table : List.of("errors_1m", "errors_1h")) {
            AnalyticsRow wire =
                    new ErrorsRow(table, 1_795_168_800_000L, "billing", "2.4", 8, 2, 7).encode();
            assertThat(wire.table).isEqualTo(table);
            assertThat(List.of(wire.fields).size()).isEqualTo(ddl.get(table).size());
            assertThat(wire.get("window_start")).isEqualTo("2026-11-20 10:00:00");
            assertThat(wire.get("service")).isEqualTo("billing");
            assertThat(wire.get("version")).isEqualTo("2.4");
            assertThat(wire.get("requests")).isEqualTo("8");
            assertThat(wire.get("errors")).isEqualTo("2");
            assertThat(wire.get("error_rate")).isEqualTo("0.25");
            assertThat(wire.get("_version")).isEqualTo("7");
        }
        assertThat(new ErrorsRow("errors_1m", 0, "", "", 0, 0, 1).encode().get("error_rate"))
                .isEqualTo("0.0");
    }

    @Test
    void latencyRowWritesTheLatencyColumns() {
        for (String table : List.of("latency_1m", "latency_1h")) {
            AnalyticsRow wire =
                    new LatencyRow(table, 1_795_168_800_000L, "/api", 4, 12, 87.5, 90, 90, 3)
                            .encode();
            assertThat(List.of(wire.fields).size()).isEqualTo(ddl.get(table).size());
            assertThat(wire.get("window_start")).isEqualTo("2026-11-20 10:00:00");
            assertThat(wire.get("endpoint")).isEqualTo("/api");
            assertThat(wire.get("requests")).isEqualTo("4");
            assertThat(wire.get("p50_ms")).isEqualTo("12.0");
            assertThat(wire.get("p95_ms")).isEqualTo("87.5");
            assertThat(wire.get("p99_ms")).isEqualTo("90.0");
            assertThat(wire.get("max_ms")).isEqualTo("90.0");
            assertThat(wire.get("_version")).isEqualTo("3");
        }
    }

    // --- finance ------------------------------------------------------------------------------

    @Test
    void revenueDailyRowWritesTheRevenueColumnsWithExactMoney() {
        assertThat(RevenueDailyRow.ENCODER.columns()).isEqualTo(ddl.get("revenue_daily"));
        // 1,234.50 gross, 0.0125 refunded: units of 1/10,000, written with the table's 4 places.
        AnalyticsRow wire = new RevenueDailyRow(DAY, "EUR", 3, 12_345_000, 125, 9, false).encode();
        assertThat(wire.table).isEqualTo("revenue_daily");
        assertThat(wire.key).isEqualTo(DAY + "\u0000EUR");
        assertThat(wire.version).isEqualTo(9);
        assertThat(wire.fields)
                .containsExactly(
                        "2026-11-20", "EUR", "3", "1234.5000", "0.0125", "1234.4875", "9", "0");
        AnalyticsRow refundsOnly =
                new RevenueDailyRow(DAY, "USD", 0, 0, 7_000_000, 10, false).encode();
        assertThat(refundsOnly.get("net")).isEqualTo("-700.0000");
        assertThat(new RevenueDailyRow(DAY, "USD", 0, 0, 0, 11, true).encode().fields)
                .endsWith("0.0000", "0.0000", "0.0000", "11", "1");
    }

    @Test
    void mrrDailyRowWritesTheMrrColumns() {
        assertThat(MrrDailyRow.ENCODER.columns()).isEqualTo(ddl.get("mrr_daily"));
        AnalyticsRow wire =
                new MrrDailyRow(DAY, new long[] {1_234_500, 100_000, 0, 5, 20_000, 12}, 4, false)
                        .encode();
        assertThat(wire.table).isEqualTo("mrr_daily");
        assertThat(wire.key).isEqualTo(Long.toString(DAY));
        assertThat(wire.fields)
                .containsExactly(
                        "2026-11-20",
                        "123.4500",
                        "10.0000",
                        "0.0000",
                        "0.0005",
                        "2.0000",
                        "12",
                        "4",
                        "0");
        assertThat(new MrrDailyRow(DAY, new long[6], 5, true).encode().fields).endsWith("5", "1");
    }

    // --- funnels, retention, adoption ---------------------------------------------------------

    @Test
    void productAnalyticsRowsWriteTheirTablesColumns() {
        assertThat(FunnelDailyRow.ENCODER.columns()).isEqualTo(ddl.get("funnel_daily"));
        assertThat(RetentionWeeklyRow.ENCODER.columns()).isEqualTo(ddl.get("retention_weekly"));
        assertThat(FeatureAdoptionWeeklyRow.ENCODER.columns())
                .isEqualTo(ddl.get("feature_adoption_weekly"));
    }

    @Test
    void productAnalyticsRowsEncodeSamples() {
        AnalyticsRow r = new RetentionWeeklyRow(DAY, 3, 40, 12, 9).encode();
        assertThat(r.key).isEqualTo("2026-11-20|3");
        assertThat(r.fields).containsExactly("2026-11-20", "3", "40", "12", "9");
        AnalyticsRow a = new FeatureAdoptionWeeklyRow(DAY, "export", 2, 40, 7, 9).encode();
        assertThat(a.key).isEqualTo("2026-11-20|export|2");
        assertThat(a.fields).containsExactly("2026-11-20", "export", "2", "40", "7", "9");
    }

    // --- sessions -----------------------------------------------------------------------------

    @Test
    void sessionRowWritesTheSessionsColumns() {
        assertThat(SessionRow.ENCODER.columns()).isEqualTo(ddl.get("sessions"));
    }

    @Test
    void sessionRowEncodesASample() {
        SessionRow row =
                new SessionRow(
                        "s1",
                        "u1",
                        us("2026-11-20T10:00:00.5Z"),
                        us("2026-11-20T10:30:01.2Z"),
                        4,
                        "open",
                        "buy",
                        12,
                        true);
        AnalyticsRow wire = row.encode();
        assertThat(wire.table).isEqualTo("sessions");
        assertThat(wire.key).isEqualTo("u1|s1");
        assertThat(wire.version).isEqualTo(12);
        assertThat(wire.fields)
                .containsExactly(
                        "s1",
                        "u1",
                        "2026-11-20 10:00:00",
                        "2026-11-20 10:30:01",
                        "1795168800500000",
                        "1795170601200000",
                        "1800",
                        "4",
                        "open",
                        "buy",
                        "12",
                        "1");
        assertThat(wire.get("duration_s")).isEqualTo("1800");
    }

    // --- binding values to columns ------------------------------------------------------------

    @Test
    void anEncoderNeedsExactlyOneValuePerColumn() {
        assertThatThrownBy(
                        () ->
                                RowEncoder.<SessionsDailyRow>forTable(
                                                AnalyticsTables.SESSIONS_DAILY_TABLE)
                                        .put("user_id", SessionsDailyRow::userId)
                                        .build())
                .hasMessageContaining("no value for analytics.sessions_daily column(s)")
                .hasMessageContaining("session_day_user");
        assertThatThrownBy(
                        () ->
                                RowEncoder.<SessionsDailyRow>forTable(
                                                AnalyticsTables.SESSIONS_DAILY_TABLE)
                                        .put("user", SessionsDailyRow::userId))
                .hasMessageContaining("analytics.sessions_daily has no column user");
        assertThatThrownBy(
                        () ->
                                RowEncoder.<SessionsDailyRow>forTable(
                                                AnalyticsTables.SESSIONS_DAILY_TABLE)
                                        .put("user_id", SessionsDailyRow::userId)
                                        .put("user_id", SessionsDailyRow::userId))
                .hasMessageContaining("two values for analytics.sessions_daily.user_id");
    }

    @Test
    void readingByColumnNameNamesWhatIsWrong() {
        AnalyticsRow row = new ActiveUsersDailyRow(DAY, 1, 2, 3, 11).encode();
        assertThat(row.get("mau")).isEqualTo("3");
        assertThatThrownBy(() -> row.get("users"))
                .hasMessageContaining("analytics.active_users_daily has no column users");
        assertThatThrownBy(() -> AnalyticsTables.SESSIONS_TABLE.get(row, "user_id"))
                .hasMessageContaining("a row of analytics.active_users_daily read as one of");
        AnalyticsRow event =
                EventRow.encoder(PROMOTED)
                        .encode(new EventRow("e", "u", 0, "n", "{}", new String[3], 1, false));
        assertThatThrownBy(() -> event.get("event_id"))
                .hasMessageContaining("AnalyticsTables.events(promoted)");
        assertThat(AnalyticsTables.events(PROMOTED).get(event, "event_id")).isEqualTo("e");
    }
}
