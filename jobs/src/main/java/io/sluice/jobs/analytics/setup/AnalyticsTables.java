package io.sluice.jobs.analytics.setup;

import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.clickhouse.ColumnEncoder;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.PromotedProperty;
import java.io.Serializable;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * The analytics tables in ClickHouse: the one place their columns, keys and DDL are defined. Every
 * table is a {@code ReplacingMergeTree(_version)}: a row replaces the row with the same ORDER BY
 * key and a lower version, so read them with {@code FINAL} (and {@code WHERE _is_deleted = 0} where
 * the table has that column). One column is not here: {@code _received_at} of {@code dead_letters}
 * and {@code late_events}, which ClickHouse fills itself, added only when they expire ({@link
 * RowExpiry}).
 */
public final class AnalyticsTables {
    public static final String EVENTS = "events";
    public static final String DEAD_LETTERS = "dead_letters";
    public static final String LATE_EVENTS = "late_events";
    public static final String EVENTS_PER_MINUTE = "events_per_minute";
    public static final String EVENTS_PER_5M = "events_per_5m";
    public static final String EVENTS_PER_HOUR = "events_per_hour";
    public static final String ACTIVE_USERS_DAILY = "active_users_daily";
    public static final String SESSIONS = "sessions";
    public static final String SESSIONS_DAILY = "sessions_daily";

    /** One column: name and ClickHouse type ({@code LC} marks LowCardinality where supported). */
    public record Column(String name, String type) implements Serializable {}

    /** One table's definition. */
    public record Table(
            String name, List<Column> columns, String partitionBy, String orderBy, String comment)
            implements Serializable {

        public List<String> columnNames() {
            List<String> names = new ArrayList<>();
            for (Column c : columns) {
                names.add(c.name());
            }
            return names;
        }

        /** The value of {@code column} in a row of this table, as ClickHouse text. */
        public String get(AnalyticsRow row, String column) {
            if (!row.table.equals(name)) {
                throw new IllegalArgumentException(
                        "a row of analytics." + row.table + " read as one of analytics." + name);
            }
            int i = columnNames().indexOf(column);
            if (i < 0) {
                throw new IllegalArgumentException(
                        "analytics." + name + " has no column " + column + ": " + columnNames());
            }
            return row.fields[i];
        }

        public String createSql(String database, ServerVersion server) {
            StringBuilder sql = new StringBuilder();
            sql.append("CREATE TABLE IF NOT EXISTS ")
                    .append(ClickHouseSql.qualified(database, name))
                    .append(" (");
            for (int i = 0; i < columns.size(); i++) {
                Column c = columns.get(i);
                sql.append(i == 0 ? "" : ", ")
                        .append(ClickHouseSql.identifier(c.name()))
                        .append(' ')
                        .append(resolve(c.type(), server));
            }
            sql.append(") ENGINE = ReplacingMergeTree(_version)");
            if (partitionBy != null) {
                sql.append(" PARTITION BY ").append(partitionBy);
            }
            sql.append(" ORDER BY (").append(orderBy).append(")");
            return sql.toString();
        }

        private static String resolve(String type, ServerVersion server) {
            if (type.equals("LC")) {
                // LowCardinality is experimental (behind a setting) before 19.x.
                return server.hasLowCardinality() ? "LowCardinality(String)" : "String";
            }
            return type;
        }
    }

    private AnalyticsTables() {}

    /** analytics.events, with a prop_KEY column per promoted property. */
    public static Table events(List<PromotedProperty> promoted) {
        List<Column> cols = new ArrayList<>();
        cols.add(new Column("event_id", "String"));
        cols.add(new Column("user_id", "String"));
        cols.add(new Column("occurred_at", "DateTime('UTC')"));
        cols.add(new Column("occurred_at_us", "Int64"));
        cols.add(new Column("event_name", "LC"));
        cols.add(new Column("properties_json", "String"));
        for (PromotedProperty p : promoted) {
            cols.add(new Column(p.column(), "Nullable(" + p.type().clickHouseType + ")"));
        }
        cols.add(new Column("_version", "UInt64"));
        cols.add(new Column("_is_deleted", "UInt8"));
        return new Table(
                EVENTS,
                cols,
                "toYYYYMM(occurred_at)",
                "event_name, occurred_at, user_id, event_id",
                "clean, deduplicated events");
    }

    public static final Table DEAD_LETTERS_TABLE =
            new Table(
                    DEAD_LETTERS,
                    List.of(
                            new Column("source_table", "String"),
                            new Column("event_id", "String"),
                            new Column("reason", "String"),
                            new Column("raw_row", "String"),
                            new Column("_version", "UInt64"),
                            new Column("_is_deleted", "UInt8")),
                    null,
                    "source_table, event_id",
                    "rows that could not be used, with the reason; a corrected row leaves");

    public static final Table LATE_EVENTS_TABLE =
            new Table(
                    LATE_EVENTS,
                    List.of(
                            new Column("event_id", "String"),
                            new Column("user_id", "String"),
                            new Column("occurred_at", "DateTime('UTC')"),
                            new Column("occurred_at_us", "Int64"),
                            new Column("event_name", "String"),
                            new Column("watermark", "DateTime('UTC')"),
                            new Column("kind", "String"),
                            new Column("_version", "UInt64")),
                    null,
                    "event_id, kind, _version",
                    "changes behind the watermark by more than the repair horizon");

    public static final Table EVENTS_PER_MINUTE_TABLE = countTable(EVENTS_PER_MINUTE, "minute");
    public static final Table EVENTS_PER_5M_TABLE = countTable(EVENTS_PER_5M, "window_start");
    public static final Table EVENTS_PER_HOUR_TABLE = countTable(EVENTS_PER_HOUR, "hour");

    private static Table countTable(String name, String windowColumn) {
        return new Table(
                name,
                List.of(
                        new Column(windowColumn, "DateTime('UTC')"),
                        new Column("event_name", "LC"),
                        new Column("events", "Int64"),
                        new Column("_version", "UInt64")),
                "toYYYYMM(" + windowColumn + ")",
                windowColumn + ", event_name",
                "events per window and name");
    }

    public static final Table ACTIVE_USERS_DAILY_TABLE =
            new Table(
                    ACTIVE_USERS_DAILY,
                    List.of(
                            new Column("day", "Date"),
                            new Column("dau", "Int64"),
                            new Column("wau", "Int64"),
                            new Column("mau", "Int64"),
                            new Column("_version", "UInt64")),
                    null,
                    "day",
                    "distinct users on the day, in the 7 and 30 days ending that day");

    public static final Table SESSIONS_TABLE =
            new Table(
                    SESSIONS,
                    List.of(
                            new Column("session_id", "String"),
                            new Column("user_id", "String"),
                            new Column("started_at", "DateTime('UTC')"),
                            new Column("ended_at", "DateTime('UTC')"),
                            new Column("started_at_us", "Int64"),
                            new Column("ended_at_us", "Int64"),
                            new Column("duration_s", "Int64"),
                            new Column("events", "Int64"),
                            new Column("entry_event", "String"),
                            new Column("exit_event", "String"),
                            new Column("_version", "UInt64"),
                            new Column("_is_deleted", "UInt8")),
                    "toYYYYMM(started_at)",
                    "user_id, session_id",
                    "sessions per user; a merged session deletes the one it absorbed");

    public static final Table SESSIONS_DAILY_TABLE =
            new Table(
                    SESSIONS_DAILY,
                    List.of(
                            new Column("session_day_user", "String"),
                            new Column("user_id", "String"),
                            new Column("session_day", "Date"),
                            new Column("starts", "Int64"),
                            new Column("ends", "Int64"),
                            new Column("events", "Int64"),
                            new Column("_version", "UInt64")),
                    null,
                    "session_day_user",
                    "session_start and session_end events per user and day");

    /**
     * The table named {@code name}, unless it is analytics.events, whose columns depend on the
     * promoted properties ({@link #events}).
     */
    public static Table fixed(String name) {
        for (Table t : all(List.of())) {
            if (t.name().equals(name) && !name.equals(EVENTS)) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                name.equals(EVENTS)
                        ? "analytics.events has a column per promoted property: read it with"
                                + " AnalyticsTables.events(promoted)"
                        : "no analytics table named " + name);
    }

    /** Every table, for setup. */
    public static List<Table> all(List<PromotedProperty> promoted) {
        List<Table> all =
                new ArrayList<>(
                        List.of(
                                events(promoted),
                                DEAD_LETTERS_TABLE,
                                LATE_EVENTS_TABLE,
                                EVENTS_PER_MINUTE_TABLE,
                                EVENTS_PER_5M_TABLE,
                                EVENTS_PER_HOUR_TABLE,
                                ACTIVE_USERS_DAILY_TABLE,
                                SESSIONS_TABLE,
                                SESSIONS_DAILY_TABLE));
        all.add(FunnelTables.FUNNEL_DAILY_TABLE);
        all.addAll(CohortTables.all());
        all.addAll(OperationalTables.all());
        all.addAll(FinanceTables.all());
        return List.copyOf(all);
    }

    // --- values as ClickHouse text ------------------------------------------------------------

    public static String dateTime(long epochMicros) {
        return ColumnEncoder.dateTimeText(Math.floorDiv(epochMicros, 1_000_000L));
    }

    public static String dateTimeMillis(long epochMillis) {
        return dateTime(epochMillis * 1000);
    }

    public static String date(long epochDay) {
        return LocalDate.ofEpochDay(epochDay).toString();
    }
}
