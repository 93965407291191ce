package io.sluice.jobs.analytics;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.FeatureDefinition;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.ProductAnalyticsOptions.CohortBy;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventDeltaSerializer;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.FunnelDelta;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.model.SignupSchema;
import io.sluice.jobs.analytics.model.StringKey;
import io.sluice.jobs.analytics.operators.ActiveUsersDailyFunction;
import io.sluice.jobs.analytics.operators.CohortWeeklyFunction;
import io.sluice.jobs.analytics.operators.EventProperties;
import io.sluice.jobs.analytics.operators.FunnelDailyFunction;
import io.sluice.jobs.analytics.operators.FunnelFunction;
import io.sluice.jobs.analytics.operators.SessionizeFunction;
import io.sluice.jobs.analytics.operators.SignupChanges;
import io.sluice.jobs.analytics.operators.SignupCohortFunction;
import io.sluice.jobs.analytics.operators.UserActivityFunction;
import io.sluice.jobs.analytics.operators.UserCohortFunction;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * The user-scoped tables of the analytics job, on one shuffle by user: each user-keyed operator
 * passes the deltas on to the next, chained in the same task (keys and partitions unchanged), and
 * sends what it derives to its own aggregation.
 *
 * <pre>
 * keyBy(user) user-cohorts ─ keyBy(week) cohort-weekly
 *   chained   funnel-NAME (one per funnel) ─ keyBy(funnel, day) funnel-daily
 *   chained   user-activity ─ keyBy(day) active-users-daily
 *   chained   sessionize
 * </pre>
 */
public final class UserScopedAnalytics {
    private UserScopedAnalytics() {}

    /**
     * The rows of the user-scoped operators: all of them, and those of active_users_daily alone (an
     * alert rule reads them).
     */
    public record Rows(List<DataStream<AnalyticsRow>> all, DataStream<AnalyticsRow> activeUsers) {}

    /** Wires the user-scoped operators after clean-and-dedupe; returns their rows. */
    public static Rows attach(
            DataStream<ChangeRecord> changes,
            DataStream<EventDelta> deltas,
            SluiceConfig config,
            EventSchema schema,
            long horizonMs) {
        List<DataStream<AnalyticsRow>> rows = new ArrayList<>();
        boolean appendOnly = appendOnlyLogs(deltas);
        EventProperties properties = new EventProperties(schema.promoted());
        SingleOutputStreamOperator<EventDelta> cohorts =
                userCohorts(
                                changes,
                                deltas.keyBy(UserScopedAnalytics::user, StringKey.TYPE),
                                config)
                        .returns(EventDeltaSerializer.TYPE)
                        .name("user-cohorts")
                        .uid("user-cohorts");
        rows.add(
                cohorts.getSideOutput(UserCohortFunction.COHORTS)
                        .keyBy(c -> c.cohortWeek, Types.LONG)
                        .process(new CohortWeeklyFunction())
                        .name("cohort-weekly")
                        .uid("cohort-weekly"));
        DataStream<EventDelta> passed = cohorts;
        List<FunnelDefinition> funnels = funnels(config);
        DataStream<FunnelDelta> attempts = null;
        for (FunnelDefinition f : funnels) {
            // One operator per funnel, its uid naming the definition: a changed definition starts
            // from empty state instead of reading state kept for another one.
            SingleOutputStreamOperator<EventDelta> funnel =
                    byUser(passed)
                            .process(
                                    new FunnelFunction(
                                            List.of(f), properties, horizonMs, appendOnly))
                            .returns(EventDeltaSerializer.TYPE)
                            .name("funnel-" + f.name())
                            .uid("funnel-" + f.name() + "-" + fingerprint(f));
            DataStream<FunnelDelta> a = funnel.getSideOutput(FunnelFunction.ATTEMPTS);
            attempts = attempts == null ? a : attempts.union(a);
            passed = funnel;
        }
        if (attempts != null) {
            rows.add(
                    attempts.keyBy(FunnelDelta::key, Types.STRING)
                            .process(new FunnelDailyFunction(funnels, horizonMs))
                            .name("funnel-daily")
                            .uid("funnel-daily"));
        }
        SingleOutputStreamOperator<EventDelta> activity =
                byUser(passed)
                        .process(new UserActivityFunction(horizonMs))
                        .returns(EventDeltaSerializer.TYPE)
                        .name("user-activity")
                        .uid("user-activity");
        DataStream<AnalyticsRow> activeUsers =
                activity.getSideOutput(UserActivityFunction.ACTIVITY)
                        .keyBy(a -> a.day, Types.LONG)
                        .process(new ActiveUsersDailyFunction(horizonMs))
                        .name("active-users-daily")
                        .uid("active-users-daily");
        rows.add(activeUsers);
        rows.add(
                byUser(activity)
                        .process(
                                new SessionizeFunction(
                                        config.get(AnalyticsOptions.SESSION_GAP).toMillis(),
                                        config.get(AnalyticsOptions.SESSION_MAX).toMillis(),
                                        horizonMs,
                                        appendOnly))
                        .name("sessionize")
                        .uid("sessionize"));

        return new Rows(rows, activeUsers);
    }

    /**
     * The user-cohorts operator (without name and uid): by first event, over the deltas alone; by
     * signup, with the users table's changes (no event clock, no lateness: they are dimension rows)
     * connected as a second input keyed by the same user id text. Both keep the same state, so a
     * savepoint restores into either; switching modes needs a fresh start, as the state holds the
     * contributions of the other mode's cohorts.
     */
    static SingleOutputStreamOperator<EventDelta> userCohorts(
            DataStream<ChangeRecord> changes,
            KeyedStream<EventDelta, String> deltas,
            SluiceConfig config) {
        EventProperties properties = new EventProperties(EventSchema.fromConfig(config).promoted());
        if (config.get(ProductAnalyticsOptions.RETENTION_COHORT_BY) != CohortBy.SIGNUP) {
            return deltas.process(
                    new UserCohortFunction(returnEvent(config), features(config), properties));
        }
        DataStream<SignupChange> signups =
                changes.transform(
                                "signups",
                                TypeInformation.of(SignupChange.class),
                                new SignupChanges(SignupSchema.fromConfig(config)))
                        .uid("signups")
                        .setParallelism(changes.getParallelism());
        return deltas.connect(signups.keyBy(s -> s.userId, StringKey.TYPE))
                .process(
                        new SignupCohortFunction(returnEvent(config), features(config), properties),
                        EventDeltaSerializer.TYPE);
    }

    /**
     * Whether the user-keyed operators keep their event logs append-only: on RocksDB, where each
     * write of a user's whole log is a serialization that flushes and compactions rewrite again
     * (see SessionizeFunction). Read from the job's own configuration, where JobEnvironment put the
     * state backend; either layout restores the other's savepoints.
     */
    static boolean appendOnlyLogs(DataStream<?> stream) {
        return "rocksdb"
                .equalsIgnoreCase(
                        stream.getExecutionEnvironment()
                                .getConfiguration()
                                .get(StateBackendOptions.STATE_BACKEND));
    }

    private static List<FunnelDefinition> funnels(SluiceConfig config) {
        List<FunnelDefinition> out = new ArrayList<>();
        for (String f : config.get(ProductAnalyticsOptions.FUNNELS)) {
            out.add(FunnelDefinition.parse(f));
        }
        return out;
    }

    /** A stable hash of a funnel's definition (String.hashCode is specified, not per JVM). */
    static String fingerprint(FunnelDefinition f) {
        return Integer.toHexString(f.toString().hashCode());
    }

    private static String returnEvent(SluiceConfig config) {
        String e = config.get(ProductAnalyticsOptions.RETENTION_RETURN_EVENT);
        return e == null || e.isBlank() ? null : e;
    }

    private static List<FeatureDefinition> features(SluiceConfig config) {
        List<FeatureDefinition> out = new ArrayList<>();
        for (String f : config.get(ProductAnalyticsOptions.FEATURES)) {
            out.add(FeatureDefinition.parse(f));
        }
        return out;
    }

    private static String user(EventDelta d) {
        return d.event.userId;
    }

    /**
     * The deltas a user-keyed operator passed on, keyed by user again without a shuffle: they are
     * still partitioned by user, and the next operator is chained.
     */
    private static KeyedStream<EventDelta, String> byUser(DataStream<EventDelta> passedOn) {
        return DataStreamUtils.reinterpretAsKeyedStream(
                passedOn, UserScopedAnalytics::user, StringKey.TYPE);
    }
}
