package io.sluice.jobs.analytics.backfill;

import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Column;
import io.sluice.jobs.analytics.setup.AnalyticsTables.Table;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The statements a backfill clears what it rewrites with, built from the tables' definitions: each
 * re-inserts the matching rows read with {@code FINAL} at a version below every row the backfill
 * writes, so a row it does not write again ends 0 or deleted, and a row it writes wins.
 */
final class OverwriteSql {
    private static final Set<String> NUMBERS = Set.of("Int64", "UInt64", "Float64");

    private OverwriteSql() {}

    /**
     * The rows of {@code table} matching {@code where} set to 0 at {@code version}: the key columns
     * (ORDER BY) and the text and date columns kept, every number 0. Rows already all 0 are left.
     */
    static String zero(Table table, long version, String where) {
        List<String> key = List.of(table.orderBy().split(",\\s*"));
        List<String> select = new ArrayList<>();
        List<String> counts = new ArrayList<>();
        for (Column c : table.columns()) {
            if (c.name().equals("_version")) {
                select.add(Long.toString(version));
            } else if (!key.contains(c.name()) && NUMBERS.contains(c.type())) {
                select.add("0");
                counts.add(quote(c.name()) + " != 0");
            } else {
                select.add(quote(c.name()));
            }
        }
        return insert(table, select, "(" + String.join(" OR ", counts) + ") AND " + where);
    }

    /**
     * The live rows of {@code table} (one with {@code _is_deleted}) matching {@code where} deleted
     * at {@code version}: every column copied, {@code _is_deleted = 1}.
     */
    static String delete(Table table, long version, String where) {
        List<String> select = new ArrayList<>();
        for (String c : table.columnNames()) {
            select.add(
                    c.equals("_version")
                            ? Long.toString(version)
                            : c.equals("_is_deleted") ? "1" : quote(c));
        }
        return insert(table, select, "_is_deleted = 0 AND " + where);
    }

    /** {@code expression} in {@code [lower, upper)} epoch seconds, as a DateTime. */
    static String betweenTimes(String expression, long lower, long upper) {
        return expression
                + " >= toDateTime("
                + lower
                + ") AND "
                + expression
                + " < toDateTime("
                + upper
                + ")";
    }

    /** {@code expression} in {@code [lower, upper)} epoch seconds, as a Date (whole UTC days). */
    static String betweenDates(String expression, long lower, long upper) {
        return expression
                + " >= toDate('"
                + date(lower)
                + "') AND "
                + expression
                + " < toDate('"
                + date(upper)
                + "')";
    }

    private static String insert(Table table, List<String> select, String where) {
        List<String> columns = new ArrayList<>();
        for (String c : table.columnNames()) {
            columns.add(quote(c));
        }
        return "INSERT INTO "
                + quote(table.name())
                + " ("
                + String.join(", ", columns)
                + ") SELECT "
                + String.join(", ", select)
                + " FROM "
                + quote(table.name())
                + " FINAL WHERE "
                + where;
    }

    private static String quote(String identifier) {
        return ClickHouseSql.identifier(identifier);
    }

    private static String date(long epochSecond) {
        return LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400)).toString();
    }
}
