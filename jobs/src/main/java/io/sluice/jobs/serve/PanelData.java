package io.sluice.jobs.serve;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One panel of the {@link HtmlDashboard}: a title, how to draw it, and the result of its SQL as
 * column names and rows (a row is one list of cells, in column order).
 *
 * <p>Cells are what a JDBC driver returns: {@link Number}s, {@link String}s, {@code java.time}
 * values, {@link java.util.Date}s or {@code null}. Strings that spell a number or a time are
 * accepted where a number or a time is expected (the ClickHouse HTTP formats give text). Rows may
 * be shorter than the column list; missing cells count as {@code null}.
 *
 * @param title the panel's title, shown as text (escaped)
 * @param kind how the rows are drawn
 * @param columns the column names, in the order of each row's cells
 * @param rows the result rows; null cells are allowed
 */
public record PanelData(String title, Kind kind, List<String> columns, List<List<Object>> rows) {

    /** How a panel's rows are drawn. */
    public enum Kind {
        /**
         * Lines over time. Column 0 is the time (a date, a date-time, or epoch seconds or
         * milliseconds; date-times without a zone are UTC). Either every further numeric column is
         * a series named by its column ("wide" form), or, with three or more columns where column 1
         * holds text that is not a number, column 1 names the series and column 2 is its value
         * ("long" form: time, series, value).
         */
        TIMESERIES,
        /** Bars per category: column 0 is the category, every further numeric column a series. */
        BAR,
        /** The rows as an HTML table (at most {@value HtmlDashboard#MAX_TABLE_ROWS} rows). */
        TABLE,
        /** One big number: the first numeric cell of the first row. */
        STAT
    }

    /** Copies the lists (keeping null cells) so the panel cannot change after it is built. */
    public PanelData {
        title = Objects.requireNonNullElse(title, "");
        Objects.requireNonNull(kind, "kind");
        columns = copy(Objects.requireNonNull(columns, "columns"));
        List<List<Object>> copied = new ArrayList<>(Objects.requireNonNull(rows, "rows").size());
        for (List<Object> row : rows) {
            copied.add(copy(Objects.requireNonNullElse(row, List.of())));
        }
        rows = Collections.unmodifiableList(copied);
    }

    /** The cell at row {@code r}, column {@code c}, or null when the row is shorter. */
    Object cell(int r, int c) {
        List<Object> row = rows.get(r);
        return c < row.size() ? row.get(c) : null;
    }

    /** The name of column {@code c}, or {@code "column c"} when the list is shorter. */
    String column(int c) {
        String name = c < columns.size() ? columns.get(c) : null;
        return name == null ? "column " + c : name;
    }

    /** The number of columns: the longest of the column list and the rows. */
    int width() {
        int width = columns.size();
        for (List<Object> row : rows) {
            width = Math.max(width, row.size());
        }
        return width;
    }

    private static <T> List<T> copy(List<? extends T> list) {
        return Collections.unmodifiableList(new ArrayList<>(list));
    }
}
