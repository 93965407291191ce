package io.sluice.jobs.analytics.backfill;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.AlertOptions.Rule;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.alerts.AlertFunction;
import io.sluice.jobs.analytics.alerts.AlertInput;
import io.sluice.jobs.analytics.alerts.AlertRule;
import io.sluice.jobs.analytics.alerts.Alerts;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.OperationalTables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The alert transitions a backfill's rebuilt rollups reach, derived again by the streaming job's
 * own {@link AlertFunction} and written over what the stream derived from the rows before.
 *
 * <ul>
 *   <li><b>error_rate</b> reads errors_1m: the points {@code t} in {@code [from + 1 min, to]},
 *       whose window ends by {@code --to}. Their windows reach back {@code window} minutes before
 *       {@code --from}: those buckets are read from ClickHouse as the run starts.
 *   <li><b>dau_drop</b> reads active_users_daily, when the run rebuilds the user-scoped tables: the
 *       ends of the closed days it rewrites, but the first. The replay derives DAU for the whole
 *       history, so every day a point reads is rebuilt.
 * </ul>
 *
 * <p>The overwrite deletes the stream's transitions at those points at the run's base version
 * ({@link #overwriteStatements}); every transition written again is above it. The points after
 * {@code --to} keep the transitions the stream wrote: they may still change with the stream.
 */
public final class BackfillAlerts {
    private BackfillAlerts() {}

    /** Per rule, the points (event time, ms) whose transitions the run rewrites: [first, last]. */
    static Map<String, long[]> points(SluiceConfig config, BackfillPlan plan) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (AlertRule rule : rules(config, plan)) {
            long[] p;
            if (rule.rule == Rule.ERROR_RATE) {
                p =
                        new long[] {
                            plan.options().from().toEpochMilli() + rule.bucketMs,
                            plan.options().to().toEpochMilli()
                        };
            } else {
                long[] days = plan.users().ranges().get(AnalyticsTables.ACTIVE_USERS_DAILY);
                p = new long[] {days[0] * 1000 + rule.bucketMs, days[1] * 1000};
            }
            if (p[0] <= p[1]) {
                out.put(rule.rule.toString(), p);
            }
        }
        return out;
    }

    /** The rules whose input rollup the run rebuilds. */
    static List<AlertRule> rules(SluiceConfig config, BackfillPlan plan) {
        List<AlertRule> out = new ArrayList<>();
        for (AlertRule rule : AlertRule.fromConfig(config)) {
            boolean rebuilt =
                    rule.rule == Rule.ERROR_RATE
                            ? BackfillPlan.rollups(config).contains(OperationalTables.ERRORS_1M)
                            : plan.users() != null
                                    && plan.users()
                                            .ranges()
                                            .containsKey(AnalyticsTables.ACTIVE_USERS_DAILY);
            if (rebuilt) {
                out.add(rule);
            }
        }
        return out;
    }

    /** The stream's transitions at the rewritten points, deleted at the run's base version. */
    static List<String> overwriteStatements(SluiceConfig config, BackfillPlan plan) {
        List<String> sql = new ArrayList<>();
        for (Map.Entry<String, long[]> e : points(config, plan).entrySet()) {
            sql.add(
                    OverwriteSql.delete(
                            OperationalTables.ALERTS_TABLE,
                            plan.rollupBase(),
                            "rule = '"
                                    + e.getKey()
                                    + "' AND "
                                    + OverwriteSql.betweenTimes(
                                            "since",
                                            e.getValue()[0] / 1000,
                                            e.getValue()[1] / 1000 + 1)));
        }
        return sql;
    }

    /**
     * The transitions at the rewritten points, from the run's errors_1m rows, its
     * active_users_daily rows ({@code null} when it does not rebuild them) and the errors_1m
     * buckets before the range that ClickHouse holds; {@code null} when no rule reads what the run
     * rebuilds.
     */
    static DataStream<AnalyticsRow> attach(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            BackfillPlan plan,
            DataStream<AnalyticsRow> errors1m,
            DataStream<AnalyticsRow> activeUsers) {
        List<AlertRule> rules = rules(config, plan);
        if (rules.isEmpty()) {
            return null;
        }
        DataStream<AlertInput> inputs = null;
        for (AlertRule rule : rules) {
            DataStream<AlertInput> in;
            if (rule.rule == Rule.ERROR_RATE) {
                in =
                        errors1m.map(Alerts::errorRateInput)
                                .returns(TypeInformation.of(AlertInput.class))
                                .name("error-rate-input")
                                .uid("backfill-error-rate-input");
                List<AlertInput> before = errorBucketsBefore(config, plan, rule);
                if (!before.isEmpty()) {
                    in =
                            in.union(
                                    env.fromData(before, TypeInformation.of(AlertInput.class))
                                            .name("error-buckets-before-range")
                                            .uid("backfill-error-buckets-before-range"));
                }
            } else {
                in =
                        activeUsers
                                .map(Alerts::dauInput)
                                .returns(TypeInformation.of(AlertInput.class))
                                .name("dau-drop-input")
                                .uid("backfill-dau-drop-input");
            }
            inputs = inputs == null ? in : inputs.union(in);
        }
        return inputs.keyBy(AlertInput::ruleKey, Types.STRING)
                .process(new AlertFunction(rules, Long.MAX_VALUE, plan.rollupBase() + 1))
                .name("alerts")
                .uid("backfill-alerts")
                .filter(new AtPoints(points(config, plan)))
                .name("rewritten-alert-points")
                .uid("backfill-rewritten-alert-points");
    }

    /** The errors_1m buckets in the window before {@code --from}, as ClickHouse holds them. */
    private static List<AlertInput> errorBucketsBefore(
            SluiceConfig config, BackfillPlan plan, AlertRule rule) {
        long from = plan.options().from().getEpochSecond();
        long reach = rule.window * rule.bucketMs / 1000;
        List<AlertInput> out = new ArrayList<>();
        try (ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            for (List<String> r :
                    ch.query(
                            "SELECT toUnixTimestamp(window_start), service, version, requests,"
                                    + " errors, _version FROM "
                                    + OperationalTables.ERRORS_1M
                                    + " FINAL WHERE "
                                    + OverwriteSql.betweenTimes(
                                            "window_start", from - reach, from))) {
                out.add(
                        new AlertInput(
                                rule.rule.toString(),
                                Alerts.alertKey(
                                        TsvCodec.unescape(r.get(1)), TsvCodec.unescape(r.get(2))),
                                Long.parseLong(r.get(0)) * 1000,
                                new long[] {Long.parseLong(r.get(3)), Long.parseLong(r.get(4))},
                                Long.parseLong(r.get(5))));
            }
        }
        return out;
    }

    /** Keeps the alert rows at the rewritten points of their rule. */
    static final class AtPoints implements FilterFunction<AnalyticsRow> {
        private static final long serialVersionUID = 1L;
        private final Map<String, long[]> points;

        AtPoints(Map<String, long[]> points) {
            this.points = new LinkedHashMap<>(points);
        }

        @Override
        public boolean filter(AnalyticsRow row) {
            String[] k = row.key.split("\u0000");
            long[] p = points.get(k[0]);
            long since = Long.parseLong(k[2]);
            return p != null && since >= p[0] && since <= p[1];
        }
    }
}
