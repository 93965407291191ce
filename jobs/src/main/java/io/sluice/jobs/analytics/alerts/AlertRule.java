package io.sluice.jobs.analytics.alerts;

import io.sluice.common.config.AlertOptions;
import io.sluice.common.config.AlertOptions.Rule;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One alert rule: a condition evaluated at the end of every bucket (a UTC minute, a UTC day) of a
 * series over the {@link #window} buckets before it, oldest first. A bucket without a row counts as
 * zeros. The definitions are written in docs/alerts.md.
 */
public abstract class AlertRule implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AlertRule.class);

    public final Rule rule;
    public final long bucketMs;
    public final int window;
    public final double threshold;

    AlertRule(Rule rule, long bucketMs, int window, double threshold) {
        this.rule = rule;
        this.bucketMs = bucketMs;
        this.window = window;
        this.threshold = threshold;
    }

    /** The rule's value over the window's buckets (never NaN: 0 where it is undefined). */
    public abstract double value(long[][] buckets);

    /** Whether the condition holds over the window's buckets. */
    public abstract boolean holds(long[][] buckets);

    static long at(long[][] buckets, int i, int column) {
        return buckets[i] == null ? 0 : buckets[i][column];
    }

    /**
     * Error rate over the trailing window of analytics.errors_1m rows (buckets: requests, errors):
     * {@code errors / requests > threshold} with at least {@code minRequests} requests.
     */
    static final class ErrorRate extends AlertRule {
        private static final long serialVersionUID = 1L;
        private final long minRequests;

        ErrorRate(int minutes, double threshold, long minRequests) {
            super(Rule.ERROR_RATE, 60_000L, minutes, threshold);
            this.minRequests = minRequests;
        }

        private static long sum(long[][] buckets, int column) {
            long s = 0;
            for (int i = 0; i < buckets.length; i++) {
                s += at(buckets, i, column);
            }
            return s;
        }

        @Override
        public double value(long[][] buckets) {
            long requests = sum(buckets, 0);
            return requests <= 0 ? 0 : (double) sum(buckets, 1) / requests;
        }

        @Override
        public boolean holds(long[][] buckets) {
            return sum(buckets, 0) >= minRequests && value(buckets) > threshold;
        }
    }

    /**
     * DAU of a complete UTC day against the day before (buckets of analytics.active_users_daily:
     * dau): {@code (before − day) / before > threshold} with at least {@code minDau} users the day
     * before.
     */
    static final class DauDrop extends AlertRule {
        private static final long serialVersionUID = 1L;
        private final long minDau;

        DauDrop(double threshold, long minDau) {
            super(Rule.DAU_DROP, 86_400_000L, 2, threshold);
            this.minDau = minDau;
        }

        @Override
        public double value(long[][] buckets) {
            long before = at(buckets, 0, 0);
            return before <= 0 ? 0 : (double) (before - at(buckets, 1, 0)) / before;
        }

        @Override
        public boolean holds(long[][] buckets) {
            return at(buckets, 0, 0) >= minDau && value(buckets) > threshold;
        }
    }

    /**
     * The rules the configuration enables, checked against the rollups they read: error_rate needs
     * analytics.errors_1m (refused when the file asks for both error_rate and no errors_1m; left
     * out, with a warning, when the rules are the default).
     */
    public static List<AlertRule> fromConfig(SluiceConfig config) {
        List<AlertRule> rules = new ArrayList<>();
        for (Rule r : config.get(AlertOptions.RULES_ENABLED)) {
            switch (r) {
                case ERROR_RATE -> {
                    if (!config.get(AnalyticsOptions.ROLLUPS)
                            .contains(AnalyticsOptions.Rollup.ERRORS_1M)) {
                        if (config.isSet(AlertOptions.RULES_ENABLED)) {
                            throw new ConfigException(
                                    "'analytics.alerts.rules' has error_rate, which reads the"
                                            + " errors_1m rollup: add errors_1m to"
                                            + " 'analytics.rollups', or remove error_rate");
                        }
                        // The default rules, with rollups a configuration chose before alerts
                        // existed: the job starts as it did, and says what it leaves out.
                        LOG.warn(
                                "Alert rule error_rate is off: it reads the errors_1m rollup,"
                                        + " which 'analytics.rollups' leaves out. Add errors_1m,"
                                        + " or set 'analytics.alerts.rules' to the rules you"
                                        + " want.");
                        continue;
                    }
                    rules.add(
                            new ErrorRate(
                                    (int) config.get(AlertOptions.ERROR_RATE_WINDOW).toMinutes(),
                                    config.get(AlertOptions.ERROR_RATE_THRESHOLD),
                                    config.get(AlertOptions.ERROR_RATE_MIN_REQUESTS)));
                }
                case DAU_DROP ->
                        rules.add(
                                new DauDrop(
                                        config.get(AlertOptions.DAU_DROP_THRESHOLD),
                                        config.get(AlertOptions.DAU_DROP_MIN_DAU)));
            }
        }
        return rules;
    }
}
