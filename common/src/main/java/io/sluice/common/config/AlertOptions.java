package io.sluice.common.config;

import static io.sluice.common.config.Checks.fraction;
import static io.sluice.common.config.Checks.positive;
import static io.sluice.common.config.Checks.wholeMinutes;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The alert rules of analytics.alerts: which run, and their thresholds. Each rule is evaluated in
 * event time over a rollup the job already keeps (docs/alerts.md). The docs list these options at
 * the end of {@link AnalyticsOptions}' area; the Grafana alert rules read the same keys.
 */
public final class AlertOptions {
    private AlertOptions() {}

    /** An alert rule, named in analytics.alerts rows as {@link #toString()}. */
    public enum Rule {
        /** A service version's error rate over a trailing window (from analytics.errors_1m). */
        ERROR_RATE,
        /** DAU of a complete UTC day down from the day before (from active_users_daily). */
        DAU_DROP;

        /** As the file and the alerts table write it: {@code error_rate}, {@code dau_drop}. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final ConfigOption<List<Rule>> RULES_ENABLED =
            ConfigOptions.key("analytics.alerts.rules")
                    .enumType(Rule.class)
                    .asList()
                    .defaultValues(Rule.values())
                    .withDescription(
                            "The alert rules to evaluate into analytics.alerts: error_rate (needs"
                                    + " the errors_1m rollup), dau_drop. An empty list runs none.");

    public static final ConfigOption<Double> ERROR_RATE_THRESHOLD =
            ConfigOptions.key("analytics.alerts.error-rate.threshold")
                    .doubleType()
                    .defaultValue(0.02)
                    .withDescription(
                            "error_rate fires when errors / requests of a service and version over"
                                    + " the window is above this fraction.");

    public static final ConfigOption<Duration> ERROR_RATE_WINDOW =
            ConfigOptions.key("analytics.alerts.error-rate.window")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "The trailing window error_rate sums, in whole minutes (it is"
                                    + " evaluated at the end of every UTC minute).");

    public static final ConfigOption<Integer> ERROR_RATE_MIN_REQUESTS =
            ConfigOptions.key("analytics.alerts.error-rate.min-requests")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "error_rate holds only over a window with at least this many"
                                    + " requests: fewer are too few to judge.");

    public static final ConfigOption<Double> DAU_DROP_THRESHOLD =
            ConfigOptions.key("analytics.alerts.dau-drop.threshold")
                    .doubleType()
                    .defaultValue(0.2)
                    .withDescription(
                            "dau_drop fires when a complete UTC day's DAU is below the day"
                                    + " before's by more than this fraction of it.");

    public static final ConfigOption<Integer> DAU_DROP_MIN_DAU =
            ConfigOptions.key("analytics.alerts.dau-drop.min-dau")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "dau_drop holds only after a day with at least this many active"
                                    + " users.");

    /** The options of this part in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(RULES_ENABLED),
                    OptionRule.optional(ERROR_RATE_THRESHOLD, fraction()),
                    OptionRule.optional(ERROR_RATE_WINDOW, wholeMinutes()),
                    OptionRule.optional(ERROR_RATE_MIN_REQUESTS, positive()),
                    OptionRule.optional(DAU_DROP_THRESHOLD, fraction()),
                    OptionRule.optional(DAU_DROP_MIN_DAU, positive()));
}
