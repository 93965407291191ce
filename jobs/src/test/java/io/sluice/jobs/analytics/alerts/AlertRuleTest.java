package io.sluice.jobs.analytics.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.AlertOptions;
import io.sluice.common.config.AlertOptions.Rule;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which rules a configuration runs, and with what. */
class AlertRuleTest {
    private static final SluiceConfig DEFAULTS =
            SluiceConfig.of(
                    Map.of(
                            "postgres.database", "app",
                            "postgres.user", "u",
                            "postgres.tables", List.of("public.events"),
                            "clickhouse.url", "http://127.0.0.1:8123",
                            "clickhouse.database", "sluice"));

    @Test
    void theDefaultsAreTheMissionsRules() {
        List<AlertRule> rules = AlertRule.fromConfig(DEFAULTS);
        assertThat(rules).extracting(r -> r.rule).containsExactly(Rule.ERROR_RATE, Rule.DAU_DROP);
        assertThat(rules.get(0).threshold).isEqualTo(0.02);
        assertThat(rules.get(0).window).isEqualTo(5);
        assertThat(rules.get(0).bucketMs).isEqualTo(60_000L);
        assertThat(rules.get(1).threshold).isEqualTo(0.2);
        assertThat(rules.get(1).window).isEqualTo(2);
    }

    @Test
    void errorRateNeedsItsRollup() {
        SluiceConfig noErrors =
                DEFAULTS.with(AnalyticsOptions.ROLLUPS, List.of(Rollup.EVENTS_PER_MINUTE));
        // Default rules: the job starts as before, without error_rate (and says so in its log).
        assertThat(AlertRule.fromConfig(noErrors))
                .extracting(r -> r.rule)
                .containsExactly(Rule.DAU_DROP);
        // Asked for: refused up front.
        assertThatThrownBy(
                        () ->
                                AlertRule.fromConfig(
                                        noErrors.with(
                                                AlertOptions.RULES_ENABLED,
                                                List.of(Rule.ERROR_RATE))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("add errors_1m");
    }

    @Test
    void theRulesReadTheirThresholds() {
        SluiceConfig c =
                DEFAULTS.with(AlertOptions.ERROR_RATE_WINDOW, Duration.ofMinutes(10))
                        .with(AlertOptions.ERROR_RATE_MIN_REQUESTS, 3)
                        .with(AlertOptions.ERROR_RATE_THRESHOLD, 0.1);
        AlertRule errors = AlertRule.fromConfig(c).get(0);
        assertThat(errors.window).isEqualTo(10);
        // 3 requests, 1 error (33 %) holds; 2 requests do not reach the minimum.
        assertThat(errors.holds(new long[][] {{2, 1}, null, {1, 0}})).isTrue();
        assertThat(errors.holds(new long[][] {{2, 1}})).isFalse();
        // 1 error in 10 is not above 0.1.
        assertThat(errors.holds(new long[][] {{10, 1}})).isFalse();
        AlertRule dau = AlertRule.fromConfig(DEFAULTS).get(1);
        assertThat(dau.holds(new long[][] {{100}, {79}})).isTrue();
        assertThat(dau.holds(new long[][] {{100}, {80}})).isFalse();
        assertThat(dau.value(new long[][] {{100}, {75}})).isEqualTo(0.25);
        assertThat(dau.holds(new long[][] {null, {0}})).isFalse();
    }
}
