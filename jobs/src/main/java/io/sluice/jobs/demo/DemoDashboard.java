package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.serve.GrafanaDashboards;
import io.sluice.jobs.serve.GrafanaDashboards.Dashboard;
import io.sluice.jobs.serve.GrafanaDashboards.Panel;
import io.sluice.jobs.serve.GrafanaMacros;
import io.sluice.jobs.serve.HtmlDashboard;
import io.sluice.jobs.serve.PanelData;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The demo's one-page dashboard: every panel of the Grafana dashboards (docker/grafana/dashboards),
 * its SQL expanded as the Grafana plugin expands it over the demo's six weeks, run on ClickHouse
 * (or Postgres, for the pipeline-health panels), and drawn by {@link HtmlDashboard} into one
 * self-contained HTML file. Exits 1 when a panel's SQL fails: the Grafana files and this page run
 * the same SQL.
 *
 * <p>Usage: {@code DemoDashboard --config conf/sluice.yaml --dashboards docker/grafana/dashboards
 * --out .sluice/dashboard.html [--days 43]}
 */
public final class DemoDashboard {
    private DemoDashboard() {}

    public static void main(String[] args) throws Exception {
        DemoWorkload.Args a = new DemoWorkload.Args(args);
        SluiceConfig config = ConfigLoader.load(Path.of(a.get("--config", "conf/sluice.yaml")));
        Path dashboards = Path.of(a.get("--dashboards", "docker/grafana/dashboards"));
        Path out = Path.of(a.get("--out", ".sluice/dashboard.html"));
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(Duration.ofMinutes(1));
        Instant from = to.minus(Duration.ofDays(Long.parseLong(a.get("--days", "43"))));
        List<HtmlDashboard.Section> sections = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        try (Connection pg = PostgresCatalog.openConnection(config);
                ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            for (Dashboard d : GrafanaDashboards.load(dashboards)) {
                Map<String, String> variables = new HashMap<>(d.variables());
                variables.put("database", config.get(AnalyticsOptions.DATABASE));
                List<PanelData> panels = new ArrayList<>();
                for (Panel p : d.panels()) {
                    String sql = GrafanaMacros.expand(p.rawSql(), from, to, 3600, variables);
                    try {
                        List<List<Object>> table =
                                p.clickHouse() ? clickHouse(ch, sql) : postgres(pg, sql);
                        List<String> columns = new ArrayList<>();
                        for (Object c : table.get(0)) {
                            columns.add(String.valueOf(c));
                        }
                        panels.add(
                                new PanelData(
                                        p.title(),
                                        kind(p),
                                        columns,
                                        table.subList(1, table.size())));
                    } catch (RuntimeException | java.sql.SQLException e) {
                        failed.add(d.title() + " / " + p.title() + ": " + e.getMessage());
                    }
                }
                sections.add(new HtmlDashboard.Section(d.title(), panels));
            }
        }
        HtmlDashboard.write(
                out,
                "Sluice demo",
                "The Grafana dashboards' panels over "
                        + from
                        + " .. "
                        + to
                        + ", drawn at "
                        + Instant.now(),
                sections);
        System.out.println(
                "Dashboard (the Grafana panels' SQL, drawn as one page): " + out.toAbsolutePath());
        if (!failed.isEmpty()) {
            failed.forEach(f -> System.out.println("  panel failed: " + f));
            System.exit(1);
        }
    }

    private static PanelData.Kind kind(Panel p) {
        return switch (p.type()) {
            case "timeseries" -> PanelData.Kind.TIMESERIES;
            case "barchart", "bargauge" -> PanelData.Kind.BAR;
            case "stat" -> PanelData.Kind.STAT;
            default -> PanelData.Kind.TABLE;
        };
    }

    /** The header row, then the rows; numbers as numbers, the rest as text. */
    private static List<List<Object>> clickHouse(ClickHouseConnection ch, String sql) {
        List<List<Object>> table = new ArrayList<>();
        for (List<String> r : ch.query(sql + "\nFORMAT TabSeparatedWithNames")) {
            List<Object> row = new ArrayList<>();
            for (String v : r) {
                String text = TsvCodec.unescape(v);
                row.add(table.isEmpty() ? text : value(text));
            }
            table.add(row);
        }
        if (table.isEmpty()) {
            table.add(List.of());
        }
        return table;
    }

    private static List<List<Object>> postgres(Connection pg, String sql)
            throws java.sql.SQLException {
        List<List<Object>> table = new ArrayList<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            List<Object> header = new ArrayList<>();
            for (int i = 1; i <= md.getColumnCount(); i++) {
                header.add(md.getColumnLabel(i));
            }
            table.add(header);
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof Number || v == null ? v : value(v.toString()));
                }
                table.add(row);
            }
        }
        return table;
    }

    private static Object value(String text) {
        if (text == null || text.equals("\\N")) {
            return null;
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException notLong) {
            try {
                return Double.parseDouble(text);
            } catch (NumberFormatException notNumber) {
                return text;
            }
        }
    }
}
