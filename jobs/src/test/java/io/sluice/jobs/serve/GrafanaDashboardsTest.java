package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.serve.GrafanaDashboards.Dashboard;
import io.sluice.jobs.serve.GrafanaDashboards.Format;
import io.sluice.jobs.serve.GrafanaDashboards.Panel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The dashboards under docker/grafana/dashboards, read as Grafana would: every analytics table has
 * a panel, every table is read as its rows are meant to be read, every data source a panel names is
 * provisioned, and no panel's SQL holds what ClickHouse 18.16 rejects.
 */
class GrafanaDashboardsTest {
    static final Path GRAFANA = Path.of("..", "docker", "grafana");
    static final Path DASHBOARDS = GRAFANA.resolve("dashboards");
    static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
    static final Instant TO = Instant.parse("2026-11-30T12:34:56Z");

    /** The table a panel reads as ${database}.name, and whether FINAL follows it. */
    static final Pattern TABLE = Pattern.compile("\\$\\{database}\\.(\\w+)(\\s+FINAL\\b)?");

    static Map<String, AnalyticsTables.Table> analyticsTables() {
        Map<String, AnalyticsTables.Table> tables = new HashMap<>();
        for (AnalyticsTables.Table t : AnalyticsTables.all(List.of())) {
            tables.put(t.name(), t);
        }
        return tables;
    }

    /** Data source uid to type, from the provisioning file. */
    @SuppressWarnings("unchecked")
    static Map<String, String> provisionedDataSources() throws Exception {
        try (InputStream in =
                Files.newInputStream(GRAFANA.resolve("provisioning/datasources/sluice.yaml"))) {
            Map<String, Object> root = new Yaml().load(in);
            Map<String, String> byUid = new HashMap<>();
            for (Map<String, Object> ds : (List<Map<String, Object>>) root.get("datasources")) {
                byUid.put((String) ds.get("uid"), (String) ds.get("type"));
            }
            return byUid;
        }
    }

    @Test
    void everyDashboardLoadsAsTypedPanels() {
        List<Dashboard> dashboards = GrafanaDashboards.load(DASHBOARDS);
        assertThat(dashboards)
                .extracting(Dashboard::uid)
                .containsExactly(
                        "sluice-finance",
                        "sluice-operations",
                        "sluice-pipeline",
                        "sluice-product",
                        "sluice-traffic");
        for (Dashboard d : dashboards) {
            assertThat(d.variables()).as(d.uid()).containsEntry("database", "analytics");
            assertThat(d.panels()).as(d.uid()).isNotEmpty();
            for (Panel p : d.panels()) {
                assertThat(p.rawSql()).as(p.title()).isNotBlank();
                assertThat(p.format()).as(p.title()).isNotEqualTo(Format.OTHER);
                assertThat(p.datasourceUid()).as(p.title()).isNotBlank();
            }
        }
    }

    @Test
    void everyClickHouseTargetIsStoredAsThePluginStoresSqlQueries() throws Exception {
        ObjectMapper json = new ObjectMapper();
        int targets = 0;
        for (Path f : Files.list(DASHBOARDS).sorted().toList()) {
            for (JsonNode panel : json.readTree(f.toFile()).path("panels")) {
                for (JsonNode t : panel.path("targets")) {
                    if (t.path("datasource")
                            .path("type")
                            .asText()
                            .equals(GrafanaDashboards.CLICKHOUSE_TYPE)) {
                        targets++;
                        String where = f.getFileName() + ": " + panel.path("title").asText();
                        assertThat(t.path("editorType").asText()).as(where).isEqualTo("sql");
                        assertThat(t.path("format").isInt()).as(where).isTrue();
                        assertThat(t.path("rawSql").isTextual()).as(where).isTrue();
                        assertThat(t.path("queryType").asText())
                                .as(where)
                                .isEqualTo(t.path("format").asInt() == 0 ? "timeseries" : "table");
                    }
                }
            }
        }
        assertThat(targets).isGreaterThan(19);
    }

    @Test
    void everyAnalyticsTableIsQueriedByAPanel() {
        Set<String> queried = new TreeSet<>();
        for (Panel p : GrafanaDashboards.panels(DASHBOARDS)) {
            Matcher m = TABLE.matcher(p.rawSql());
            while (m.find()) {
                queried.add(m.group(1));
            }
        }
        assertThat(queried).containsAll(analyticsTables().keySet());
    }

    @Test
    void tablesAreReadWithFinalAndWithoutDeletedRows() {
        Map<String, AnalyticsTables.Table> tables = analyticsTables();
        for (Panel p : GrafanaDashboards.panels(DASHBOARDS)) {
            Matcher m = TABLE.matcher(p.rawSql());
            while (m.find()) {
                String where = p.dashboardUid() + ": " + p.title();
                AnalyticsTables.Table t = tables.get(m.group(1));
                assertThat(t).as(where + " reads an analytics table: " + m.group(1)).isNotNull();
                assertThat(m.group(2)).as(where + " reads " + t.name() + " with FINAL").isNotNull();
                if (t.columnNames().contains("_is_deleted")) {
                    assertThat(p.rawSql()).as(where).contains("_is_deleted = 0");
                }
            }
        }
    }

    @Test
    void everyDataSourceAPanelNamesIsProvisioned() throws Exception {
        Map<String, String> provisioned = provisionedDataSources();
        assertThat(provisioned)
                .containsEntry("sluice-clickhouse", GrafanaDashboards.CLICKHOUSE_TYPE)
                .containsKey("sluice-postgres");
        Set<String> used = new HashSet<>();
        for (Panel p : GrafanaDashboards.panels(DASHBOARDS)) {
            assertThat(provisioned)
                    .as(p.dashboardUid() + ": " + p.title())
                    .containsEntry(p.datasourceUid(), p.datasourceType());
            used.add(p.datasourceUid());
        }
        assertThat(used).containsExactlyInAnyOrderElementsOf(provisioned.keySet());
    }

    @Test
    void noPanelUsesWhatClickHouse1816Rejects() {
        List<String> problems = new ArrayList<>();
        for (Dashboard d : GrafanaDashboards.load(DASHBOARDS)) {
            for (Panel p : d.panels()) {
                String expanded = GrafanaMacros.expand(p.rawSql(), FROM, TO, 60, d.variables());
                for (String sql : List.of(p.rawSql(), expanded)) {
                    for (String problem : Sql1816.problems(sql)) {
                        problems.add(d.uid() + ": " + p.title() + ": " + problem);
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
    }

    @Test
    void everyMacroAndVariableOfAPanelExpands() {
        for (Dashboard d : GrafanaDashboards.load(DASHBOARDS)) {
            for (Panel p : d.panels()) {
                String sql =
                        GrafanaMacros.expand(
                                p.rawSql(), FROM, TO, 60, Map.of("database", "analytics_it"));
                assertThat(sql).as(d.uid() + ": " + p.title()).doesNotContain("$");
                if (p.clickHouse()) {
                    assertThat(sql).doesNotContain("${database}").contains("analytics_it.");
                }
            }
        }
    }

    @Test
    void theCheckFindsPositionalOrderingAndIntervals() {
        assertThat(Sql1816.problems("SELECT a, b FROM t ORDER BY 2 DESC, a")).hasSize(1);
        assertThat(Sql1816.problems("SELECT a FROM t GROUP BY 1")).hasSize(1);
        assertThat(Sql1816.problems("SELECT $__timeInterval(ts) AS t FROM x")).isNotEmpty();
        assertThat(Sql1816.problems("SELECT a FROM t ORDER BY a, b LIMIT 2")).isEmpty();
        assertThat(
                        Sql1816.problems(
                                GrafanaMacros.expand(
                                        "SELECT $__timeFilter_ms(ts)", FROM, TO, 60, Map.of())))
                .isNotEmpty();
    }
}
