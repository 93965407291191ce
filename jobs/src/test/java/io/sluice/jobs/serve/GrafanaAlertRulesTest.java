package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.AlertOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/grafana/provisioning/alerting/sluice-alerts.yaml against the job's own alert rules: the
 * same thresholds, window and minimums as the defaults of {@link AlertOptions} (read from the
 * option declarations), and conf/sluice.yaml writes the same values.
 */
class GrafanaAlertRulesTest {
    private static final Path FILE =
            GrafanaDashboardsTest.GRAFANA.resolve("provisioning/alerting/sluice-alerts.yaml");

    private static Map<String, Map<String, Object>> rules;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void read() throws Exception {
        try (InputStream in = Files.newInputStream(FILE)) {
            Map<String, Object> root = new Yaml().load(in);
            rules = new HashMap<>();
            for (Map<String, Object> g : (List<Map<String, Object>>) root.get("groups")) {
                for (Map<String, Object> r : (List<Map<String, Object>>) g.get("rules")) {
                    rules.put((String) r.get("uid"), r);
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> query(String rule, String refId) {
        for (Map<String, Object> d : (List<Map<String, Object>>) rules.get(rule).get("data")) {
            if (refId.equals(d.get("refId"))) {
                return d;
            }
        }
        throw new AssertionError(rule + " has no query " + refId);
    }

    @SuppressWarnings("unchecked")
    static double threshold(String rule) {
        Map<String, Object> c = query(rule, (String) rules.get(rule).get("condition"));
        Map<String, Object> model = (Map<String, Object>) c.get("model");
        assertThat(model.get("type")).isEqualTo("threshold");
        assertThat(model.get("expression")).isEqualTo("A");
        Map<String, Object> evaluator =
                (Map<String, Object>)
                        ((List<Map<String, Object>>) model.get("conditions"))
                                .get(0)
                                .get("evaluator");
        assertThat(evaluator.get("type")).isEqualTo("gt");
        return ((Number) ((List<Object>) evaluator.get("params")).get(0)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    static String sql(String rule) {
        return (String) ((Map<String, Object>) query(rule, "A").get("model")).get("rawSql");
    }

    @Test
    @SuppressWarnings("unchecked")
    void errorRateEqualsTheJobsRule() {
        assertThat(threshold("sluice-error-rate"))
                .isEqualTo(AlertOptions.ERROR_RATE_THRESHOLD.defaultValue());
        Map<String, Object> range =
                (Map<String, Object>) query("sluice-error-rate", "A").get("relativeTimeRange");
        assertThat(((Number) range.get("from")).longValue())
                .isEqualTo(AlertOptions.ERROR_RATE_WINDOW.defaultValue().toSeconds());
        assertThat(sql("sluice-error-rate"))
                .contains("analytics.errors_1m FINAL")
                .contains("GROUP BY service, version")
                .contains(
                        "HAVING sum(requests) >= "
                                + AlertOptions.ERROR_RATE_MIN_REQUESTS.defaultValue());
    }

    @Test
    void dauDropEqualsTheJobsRule() {
        assertThat(threshold("sluice-dau-drop"))
                .isEqualTo(AlertOptions.DAU_DROP_THRESHOLD.defaultValue());
        assertThat(sql("sluice-dau-drop"))
                .contains("analytics.active_users_daily FINAL")
                .contains(
                        "sumIf(dau, day = last_day - 1) >= "
                                + AlertOptions.DAU_DROP_MIN_DAU.defaultValue()
                                + ",");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRulesAreLabelledWithTheJobsRuleNamesAndUseProvisionedDataSources() throws Exception {
        List<String> names = new ArrayList<>();
        Map<String, String> provisioned = GrafanaDashboardsTest.provisionedDataSources();
        for (Map<String, Object> r : rules.values()) {
            names.add((String) ((Map<String, Object>) r.get("labels")).get("sluice_rule"));
            for (Map<String, Object> d : (List<Map<String, Object>>) r.get("data")) {
                String uid = (String) d.get("datasourceUid");
                assertThat(uid.equals("__expr__") || provisioned.containsKey(uid))
                        .as(r.get("uid") + " " + uid)
                        .isTrue();
            }
        }
        for (AlertOptions.Rule rule : AlertOptions.RULES_ENABLED.defaultValue()) {
            assertThat(names).contains(rule.toString());
        }
    }

    @Test
    void theClickHouseRulesRunOn1816() {
        assertThat(Sql1816.problems(sql("sluice-error-rate"))).isEmpty();
        assertThat(Sql1816.problems(sql("sluice-dau-drop"))).isEmpty();
    }

    @Test
    @SuppressWarnings("unchecked")
    void confSluiceYamlWritesTheDefaults() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("..", "conf", "sluice.yaml"))) {
            Map<String, Object> root = new Yaml().load(in);
            Map<String, Object> alerts =
                    (Map<String, Object>)
                            ((Map<String, Object>) root.get("analytics")).get("alerts");
            Map<String, Object> errorRate = (Map<String, Object>) alerts.get("error-rate");
            Map<String, Object> dauDrop = (Map<String, Object>) alerts.get("dau-drop");
            assertThat(((Number) errorRate.get("threshold")).doubleValue())
                    .isEqualTo(threshold("sluice-error-rate"));
            assertThat(errorRate.get("min-requests"))
                    .isEqualTo(AlertOptions.ERROR_RATE_MIN_REQUESTS.defaultValue());
            assertThat(((Number) dauDrop.get("threshold")).doubleValue())
                    .isEqualTo(threshold("sluice-dau-drop"));
        }
    }
}
