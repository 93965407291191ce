package io.sluice.jobs.serve;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.jobs.serve.GrafanaDashboards.Dashboard;
import io.sluice.jobs.serve.GrafanaDashboards.Format;
import io.sluice.jobs.serve.GrafanaDashboards.Panel;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs every Grafana panel of docker/grafana/dashboards on real servers, as Grafana would send it,
 * and checks what comes back: one call at the end of an IT whose analytics tables hold data.
 *
 * <p>For each ClickHouse panel: the SQL expanded by {@link GrafanaMacros} (the range, a 60 s
 * interval, {@code database} set to the IT's database) runs; its columns are read by creating it as
 * a view and describing that ({@code DESCRIBE} of a view gives names and types on 18.16 and 26.x
 * alike; the view is dropped again). A time-series panel must return a Date or DateTime first, at
 * least one number, and only text besides (the series labels); a stat panel one row of numbers; and
 * a panel must return rows when the first table it reads has live rows, unless it filters groups
 * with HAVING ("open alerts" is rightly empty once every alert has resolved). Every problem of
 * every panel is collected and thrown together as one {@link AssertionError}.
 */
public final class GrafanaPanelCheck {
    /** Where the dashboards are, seen from the jobs module (the tests' working directory). */
    public static final Path DASHBOARDS = Path.of("..", "docker", "grafana", "dashboards");

    private static final String VIEW = "grafana_panel_check";
    private static final Pattern TABLE = Pattern.compile("\\$\\{database}\\.(\\w+)");
    private static final Pattern HAVING = Pattern.compile("\\bHAVING\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER = Pattern.compile("(U?Int\\d+|Float\\d+|Decimal.*)");
    private static final Pattern TIME = Pattern.compile("(Date|DateTime(\\(.*\\))?)");
    private static final Pattern TEXT = Pattern.compile("(String|FixedString.*|Enum.*)");

    private GrafanaPanelCheck() {}

    /** A panel's result: the SQL that ran, its columns (name to type) and how many rows. */
    public record Result(Panel panel, String sql, Map<String, String> columns, int rows) {}

    /**
     * Runs every ClickHouse panel over [from, to] against {@code database} on {@code ch} and throws
     * if any failed or has the wrong shape. Pass a range that covers the IT's data.
     */
    public static List<Result> run(
            ClickHouseConnection ch, String database, Instant from, Instant to) {
        List<Result> results = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Map<String, Long> liveRows = new HashMap<>();
        for (Dashboard d : GrafanaDashboards.load(DASHBOARDS)) {
            Map<String, String> variables = new HashMap<>(d.variables());
            variables.put("database", database);
            for (Panel p : d.panels()) {
                if (!p.clickHouse()) {
                    continue;
                }
                String where = d.uid() + " / " + p.title() + ": ";
                String sql = GrafanaMacros.expand(p.rawSql(), from, to, 60, variables);
                try {
                    Map<String, String> columns = columns(ch, database, sql);
                    List<List<String>> rows = ch.query(sql);
                    results.add(new Result(p, sql, columns, rows.size()));
                    for (String problem : shape(p, columns, rows)) {
                        problems.add(where + problem);
                    }
                    Matcher first = TABLE.matcher(p.rawSql());
                    if (first.find()
                            && rows.isEmpty()
                            && !HAVING.matcher(p.rawSql()).find()
                            && liveRows.computeIfAbsent(first.group(1), t -> live(ch, database, t))
                                    > 0) {
                        problems.add(where + "no rows, while " + first.group(1) + " has rows");
                    }
                } catch (RuntimeException e) {
                    problems.add(where + "failed: " + e.getMessage() + "\n  SQL: " + sql);
                }
            }
        }
        if (problems.isEmpty() && results.isEmpty()) {
            problems.add("no ClickHouse panels found under " + DASHBOARDS.toAbsolutePath());
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(
                    problems.size() + " Grafana panel problem(s):\n" + String.join("\n", problems));
        }
        return results;
    }

    /**
     * Runs every Postgres panel (pipeline health on pg_replication_slots; they use no macros) on
     * {@code pg} and throws if any failed, or a stat panel did not return exactly one row.
     */
    public static List<Result> runPostgres(Connection pg) throws SQLException {
        List<Result> results = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Panel p : GrafanaDashboards.panels(DASHBOARDS)) {
            if (p.clickHouse()) {
                continue;
            }
            String where = p.dashboardUid() + " / " + p.title() + ": ";
            try (Statement s = pg.createStatement();
                    ResultSet rs = s.executeQuery(p.rawSql())) {
                ResultSetMetaData meta = rs.getMetaData();
                Map<String, String> columns = new LinkedHashMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    columns.put(meta.getColumnLabel(i), meta.getColumnTypeName(i));
                }
                int rows = 0;
                while (rs.next()) {
                    rows++;
                }
                results.add(new Result(p, p.rawSql(), columns, rows));
                if (p.type().equals("stat") && rows != 1) {
                    problems.add(where + "a stat panel returned " + rows + " rows");
                }
            } catch (SQLException e) {
                problems.add(where + "failed: " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(String.join("\n", problems));
        }
        return results;
    }

    /** The problems of a panel's result for its format and type. */
    static List<String> shape(Panel p, Map<String, String> columns, List<List<String>> rows) {
        List<String> problems = new ArrayList<>();
        List<String> types = columns.values().stream().map(GrafanaPanelCheck::bare).toList();
        for (List<String> row : rows) {
            if (row.size() != columns.size()) {
                problems.add(
                        "a row has " + row.size() + " fields for " + columns.size() + " columns");
                break;
            }
        }
        if (p.format() == Format.TIME_SERIES) {
            if (types.isEmpty() || !TIME.matcher(types.get(0)).matches()) {
                problems.add("a time series must start with a Date or DateTime column: " + columns);
            }
            if (types.stream().skip(1).noneMatch(t -> NUMBER.matcher(t).matches())) {
                problems.add("a time series needs a numeric column: " + columns);
            }
            for (String t : types.subList(Math.min(1, types.size()), types.size())) {
                if (!NUMBER.matcher(t).matches() && !TEXT.matcher(t).matches()) {
                    problems.add("a time series value or label of type " + t + ": " + columns);
                }
            }
        }
        if (p.type().equals("stat")) {
            if (rows.size() != 1) {
                problems.add("a stat panel returned " + rows.size() + " rows");
            }
            if (types.stream().anyMatch(t -> !NUMBER.matcher(t).matches())) {
                problems.add("a stat panel with a non-numeric column: " + columns);
            }
        }
        if (columns.isEmpty()) {
            problems.add("no columns");
        }
        return problems;
    }

    /** A type without Nullable(..) and LowCardinality(..) around it. */
    static String bare(String type) {
        String t = type.trim();
        for (String wrapper : List.of("Nullable(", "LowCardinality(")) {
            while (t.startsWith(wrapper) && t.endsWith(")")) {
                t = t.substring(wrapper.length(), t.length() - 1);
            }
        }
        return t;
    }

    /** The result columns of {@code sql}, name to type, in order: described as a view. */
    private static Map<String, String> columns(
            ClickHouseConnection ch, String database, String sql) {
        String view = ClickHouseSql.qualified(database, VIEW);
        ch.execute("DROP TABLE IF EXISTS " + view);
        try {
            ch.execute("CREATE VIEW " + view + " AS " + sql);
            Map<String, String> columns = new LinkedHashMap<>();
            for (List<String> c : ch.query("DESCRIBE TABLE " + view)) {
                columns.put(TsvCodec.unescape(c.get(0)), TsvCodec.unescape(c.get(1)));
            }
            return columns;
        } finally {
            ch.execute("DROP TABLE IF EXISTS " + view);
        }
    }

    /** Live rows of an analytics table (without deleted rows where it marks them). */
    private static long live(ClickHouseConnection ch, String database, String table) {
        String qualified = ClickHouseSql.qualified(database, table);
        boolean deletes =
                ch.query("DESCRIBE TABLE " + qualified).stream()
                        .anyMatch(c -> c.get(0).equals("_is_deleted"));
        return Long.parseLong(
                ch.queryValue(
                        "SELECT count() FROM "
                                + qualified
                                + " FINAL"
                                + (deletes ? " WHERE _is_deleted = 0" : "")));
    }
}
