package io.sluice.jobs.analytics.alerts;

import io.sluice.common.config.AlertOptions.Rule;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.ErrorsRow;
import io.sluice.jobs.analytics.operators.UserActivityFunction;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Wires the alert rules: each reads the rows its rollup writes (error_rate: analytics.errors_1m,
 * dau_drop: active_users_daily), as they leave the rollup, and one operator keyed by rule and key
 * turns them into the transitions of analytics.alerts.
 *
 * <pre>
 * errors-1m ─ alert-input ┐
 * active-users-daily ─ alert-input ┴ keyBy(rule, key) alerts
 * </pre>
 */
public final class Alerts {
    private Alerts() {}

    /**
     * The alerts' rows, or none without rules; {@code errors1m} and {@code activeUsers} may be null
     * when the job has no such rollup (then its rule is not enabled: {@link AlertRule#fromConfig}
     * checks).
     */
    public static DataStream<AnalyticsRow> attach(
            List<AlertRule> rules,
            DataStream<AnalyticsRow> errors1m,
            DataStream<AnalyticsRow> activeUsers,
            long horizonMs) {
        DataStream<AlertInput> inputs = null;
        for (AlertRule rule : rules) {
            DataStream<AlertInput> in =
                    rule.rule == Rule.ERROR_RATE
                            ? errors1m.map(Alerts::errorRateInput)
                                    .returns(TypeInformation.of(AlertInput.class))
                                    .name("error-rate-input")
                                    .uid("error-rate-input")
                            : activeUsers
                                    .map(Alerts::dauInput)
                                    .returns(TypeInformation.of(AlertInput.class))
                                    .name("dau-drop-input")
                                    .uid("dau-drop-input");
            inputs = inputs == null ? in : inputs.union(in);
        }
        if (inputs == null) {
            return null;
        }
        return inputs.keyBy(AlertInput::ruleKey, Types.STRING)
                .process(new AlertFunction(rules, horizonMs))
                .name("alerts")
                .uid("alerts");
    }

    /** An errors_1m row (key: window start, service, version) as a bucket of error_rate. */
    public static AlertInput errorRateInput(AnalyticsRow row) {
        String[] k = ErrorsRow.keyParts(row.key);
        return new AlertInput(
                Rule.ERROR_RATE.toString(),
                alertKey(k[1], k[2]),
                Long.parseLong(k[0]),
                new long[] {Long.parseLong(row.get("requests")), Long.parseLong(row.get("errors"))},
                row.version);
    }

    /** An active_users_daily row (key: the epoch day) as a bucket of dau_drop. */
    public static AlertInput dauInput(AnalyticsRow row) {
        return new AlertInput(
                Rule.DAU_DROP.toString(),
                "",
                Long.parseLong(row.key) * UserActivityFunction.DAY_MS,
                new long[] {Long.parseLong(row.get("dau"))},
                row.version);
    }

    /** The alert key of a service and version: {@code service@version}. */
    public static String alertKey(String service, String version) {
        return service + "@" + version;
    }
}
