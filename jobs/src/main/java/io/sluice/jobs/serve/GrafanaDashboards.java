package io.sluice.jobs.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The dashboards of docker/grafana/dashboards read back as typed panels, so that code other than
 * Grafana can run what Grafana would run: the tests check every panel's SQL on real ClickHouse
 * servers ({@code GrafanaPanelCheck}), and the demo can render the same queries as an HTML page.
 * The JSON files stay the one source; nothing here writes them.
 *
 * <p>A panel holds one query target. For the ClickHouse plugin the target stores {@code rawSql},
 * {@code editorType: sql} and a numeric {@code format} (0 time series, 1 table, as the plugin maps
 * them in src/data/utils.ts); Grafana's Postgres data source stores {@code rawSql} and a textual
 * {@code format} ({@code time_series} or {@code table}). Both are read into {@link Format}. Row
 * panels and panels without a raw-SQL target are skipped.
 */
public final class GrafanaDashboards {
    /** The ClickHouse plugin's data source type. */
    public static final String CLICKHOUSE_TYPE = "grafana-clickhouse-datasource";

    private static final ObjectMapper JSON = new ObjectMapper();

    private GrafanaDashboards() {}

    /** How a panel wants its rows: a time column and values, or a plain table. */
    public enum Format {
        TIME_SERIES,
        TABLE,
        OTHER
    }

    /**
     * One panel's query. {@code datasourceType} is the plugin id ({@link #CLICKHOUSE_TYPE} or
     * Grafana's Postgres type); {@code rawSql} is as stored, macros and variables unexpanded.
     */
    public record Panel(
            String dashboard,
            String dashboardUid,
            String title,
            String type,
            String datasourceType,
            String datasourceUid,
            String rawSql,
            Format format) {
        /** Whether Grafana sends this panel's query to the ClickHouse plugin. */
        public boolean clickHouse() {
            return CLICKHOUSE_TYPE.equals(datasourceType);
        }
    }

    /** A dashboard: its uid, title, template variables with their defaults, and panels. */
    public record Dashboard(
            String uid, String title, Map<String, String> variables, List<Panel> panels) {}

    /** Every {@code *.json} dashboard in {@code dir}, by file name. */
    public static List<Dashboard> load(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Dashboard> all = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                all.add(read(f));
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the dashboards in " + dir, e);
        }
    }

    /** The panels of every dashboard in {@code dir}. */
    public static List<Panel> panels(Path dir) {
        return load(dir).stream().flatMap(d -> d.panels().stream()).toList();
    }

    /** One dashboard file. */
    public static Dashboard read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        String uid = root.path("uid").asText();
        String title = root.path("title").asText();
        Map<String, String> variables = new LinkedHashMap<>();
        for (JsonNode v : root.path("templating").path("list")) {
            JsonNode current = v.path("current").path("value");
            variables.put(
                    v.path("name").asText(),
                    current.isMissingNode() ? v.path("query").asText() : current.asText());
        }
        List<Panel> panels = new ArrayList<>();
        collect(root.path("panels"), uid, title, panels);
        return new Dashboard(uid, title, variables, panels);
    }

    private static void collect(JsonNode nodes, String uid, String title, List<Panel> out) {
        for (JsonNode p : nodes) {
            if ("row".equals(p.path("type").asText())) {
                collect(p.path("panels"), uid, title, out); // a collapsed row holds its panels
                continue;
            }
            for (JsonNode t : p.path("targets")) {
                if (!t.hasNonNull("rawSql")) {
                    continue;
                }
                JsonNode ds = t.has("datasource") ? t.path("datasource") : p.path("datasource");
                out.add(
                        new Panel(
                                title,
                                uid,
                                p.path("title").asText(),
                                p.path("type").asText(),
                                ds.path("type").asText(),
                                ds.path("uid").asText(),
                                t.path("rawSql").asText(),
                                format(t.path("format"))));
            }
        }
    }

    private static Format format(JsonNode f) {
        if (f.isNumber()) {
            return switch (f.asInt()) {
                case 0 -> Format.TIME_SERIES;
                case 1 -> Format.TABLE;
                default -> Format.OTHER;
            };
        }
        return switch (f.asText()) {
            case "time_series", "timeseries" -> Format.TIME_SERIES;
            case "table" -> Format.TABLE;
            default -> Format.OTHER;
        };
    }
}
