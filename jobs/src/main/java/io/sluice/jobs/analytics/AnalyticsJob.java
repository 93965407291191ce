package io.sluice.jobs.analytics;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.CohortBy;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.FeatureDefinition;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.FunnelDelta;
import io.sluice.jobs.analytics.model.SignupChange;
import io.sluice.jobs.analytics.model.SignupSchema;
import io.sluice.jobs.analytics.model.StampedChange;
import io.sluice.jobs.analytics.operators.ActiveUsersDailyFunction;
import io.sluice.jobs.analytics.operators.CleanAndDedupeFunction;
import io.sluice.jobs.analytics.operators.CohortWeeklyFunction;
import io.sluice.jobs.analytics.operators.CountRollupFunction;
import io.sluice.jobs.analytics.operators.EventClock;
import io.sluice.jobs.analytics.operators.EventProperties;
import io.sluice.jobs.analytics.operators.FunnelDailyFunction;
import io.sluice.jobs.analytics.operators.FunnelFunction;
import io.sluice.jobs.analytics.operators.PiiMasker;
import io.sluice.jobs.analytics.operators.RollupCombiner;
import io.sluice.jobs.analytics.operators.RollupSpec;
import io.sluice.jobs.analytics.operators.SessionizeFunction;
import io.sluice.jobs.analytics.operators.SignupChanges;
import io.sluice.jobs.analytics.operators.SignupCohortFunction;
import io.sluice.jobs.analytics.operators.UserActivityFunction;
import io.sluice.jobs.analytics.operators.UserCohortFunction;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.sink.AnalyticsSinkOperator;
import io.sluice.jobs.archive.ChangeArchive;
import io.sluice.jobs.mirror.MirrorJob;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Startup;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The analytics job: the mirror of every captured table plus, from the same CDC source (one slot),
 * clean deduplicated events, sessions and rollups in the analytics database.
 *
 * <pre>
 * postgres-cdc ─ lifecycle-guard ─ hash-pii ─┬─ mirror sink
 *                                            ├─ archive-encode ─ parquet-archive (when archive.path is set)
 *                                            ├─ signups (cohort-by: signup; users table, idle watermark) ─┐
 *                                            └─ events ─ event-clock(p=1) ─ keyBy(event_id) clean-and-dedupe
 *                                                 ├─ combine ─ keyBy(window, name) events-per-minute / -5m / -hour
 *                                                 ├─ combine ─ keyBy(user, day) sessions-daily
 *                                                 ├─ keyBy(user) user-cohorts ─ keyBy(week) cohort-weekly
 *                                                 │   (2nd input, cohort-by: signup: keyBy(user) signups) ┘
 *                                                 │   (chained)  funnel-NAME (one per funnel) ─ keyBy(funnel, day) funnel-daily
 *                                                 │   (chained)  user-activity ─ keyBy(day) active-users-daily
 *                                                 │   (chained)  sessionize
 *                                                 └─ (side output) events, dead_letters, late_events
 *                                                                             ─ analytics sink (commit on checkpoint)
 * </pre>
 *
 * <p>Usage: {@code AnalyticsJob --config conf/sluice.yaml [--fresh]} (resumes from the pipeline's
 * newest retained checkpoint unless {@code --fresh}; see {@link Startup}); with PII fields
 * configured, the hash key must be in the environment variable named by {@code pii.key-env}.
 */
public final class AnalyticsJob {
    private AnalyticsJob() {}

    public static void main(String[] args) throws Exception {
        SluiceConfig config = ConfigLoader.load(Path.of(JobEnvironment.configPath(args)));
        PiiHasher hasher = PiiHasher.fromConfig(config, System.getenv());
        Preflight.check(config);
        MirrorSetup.prepare(config);
        AnalyticsSetup.prepare(config);
        Startup.Plan plan =
                Startup.prepare(
                        config,
                        "analytics",
                        JobEnvironment.fresh(args),
                        JobEnvironment.explicitRestore(args),
                        MirrorJob.primaryKeys(config));
        StreamExecutionEnvironment env = JobEnvironment.create(config, plan);
        build(
                env,
                config,
                MirrorSource.create(config, plan.anchor()),
                hasher,
                new LifecycleGuard(
                        config, MirrorJob.primaryKeys(config), true, plan.anchor().lsn()));
        env.execute("sluice-analytics");
    }

    /** Wires the topology; tests pass their own environment and source. */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Source<ChangeRecord, ?, ?> source,
            PiiHasher hasher)
            throws SQLException {
        build(env, config, source, hasher, null);
    }

    /**
     * The topology behind a {@link LifecycleGuard} ({@code null}: none, for tests into fresh
     * tables).
     */
    public static void build(
            StreamExecutionEnvironment env,
            SluiceConfig config,
            Source<ChangeRecord, ?, ?> source,
            PiiHasher hasher,
            LifecycleGuard guard)
            throws SQLException {
        DataStream<ChangeRecord> changes = MirrorJob.changes(env, config, source);
        if (guard != null) {
            changes = MirrorJob.guarded(changes, guard, config);
        }
        if (hasher != null) {
            changes =
                    changes.map(new PiiMasker(config, hasher))
                            .name("hash-pii")
                            .uid("hash-pii")
                            .setParallelism(config.get(JobOptions.PARALLELISM));
        }
        MirrorJob.mirror(changes, config);
        ChangeArchive.attach(changes, config);
        analytics(changes, config);
    }

    static void analytics(DataStream<ChangeRecord> changes, SluiceConfig config) {
        EventSchema schema = EventSchema.fromConfig(config);
        long lateness = config.get(AnalyticsOptions.REPAIR_HORIZON).toMillis();
        long skew = config.get(AnalyticsOptions.MAX_FUTURE_SKEW).toMillis();

        DataStream<StampedChange> stamped =
                changes.filter(c -> schema.isEvent(c))
                        .name("events-only")
                        .transform(
                                "event-clock",
                                TypeInformation.of(StampedChange.class),
                                new EventClock(
                                        schema,
                                        config.get(AnalyticsOptions.OUT_OF_ORDERNESS).toMillis(),
                                        skew))
                        .uid("event-clock")
                        .setParallelism(1)
                        .setMaxParallelism(1);
        SingleOutputStreamOperator<EventDelta> deltas =
                stamped.keyBy(s -> schema.eventId(s.change), Types.STRING)
                        .process(
                                new CleanAndDedupeFunction(
                                        schema,
                                        skew,
                                        lateness,
                                        config.get(AnalyticsOptions.DEDUPE_TTL).toMillis()))
                        .name("clean-and-dedupe")
                        .uid("clean-and-dedupe");

        List<DataStream<AnalyticsRow>> rows = new ArrayList<>();
        rows.add(deltas.getSideOutput(CleanAndDedupeFunction.ROWS));
        for (Rollup rollup : config.get(AnalyticsOptions.ROLLUPS)) {
            RollupSpec spec = RollupSpec.named(rollup.tableName());
            rows.add(
                    deltas.transform(
                                    spec.name() + "-combine",
                                    TypeInformation.of(EventDelta.class),
                                    new RollupCombiner(spec))
                            .uid(spec.name() + "-combine")
                            .keyBy(d -> spec.key(d.event), Types.STRING)
                            .process(new CountRollupFunction(spec, lateness))
                            .name(spec.name())
                            .uid(spec.name()));
        }
        // One shuffle by user for every user-scoped table: each user-keyed operator passes the
        // deltas on to the next, chained in the same task (keys and partitions unchanged).
        EventProperties properties = new EventProperties(schema.promoted());
        SingleOutputStreamOperator<EventDelta> cohorts =
                userCohorts(changes, deltas.keyBy(AnalyticsJob::user, Types.STRING), config)
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
                            .process(new FunnelFunction(List.of(f), properties, lateness))
                            .name("funnel-" + f.name())
                            .uid("funnel-" + f.name() + "-" + fingerprint(f));
            DataStream<FunnelDelta> a = funnel.getSideOutput(FunnelFunction.ATTEMPTS);
            attempts = attempts == null ? a : attempts.union(a);
            passed = funnel;
        }
        if (attempts != null) {
            rows.add(
                    attempts.keyBy(FunnelDelta::key, Types.STRING)
                            .process(new FunnelDailyFunction(funnels, lateness))
                            .name("funnel-daily")
                            .uid("funnel-daily"));
        }
        SingleOutputStreamOperator<EventDelta> activity =
                byUser(passed)
                        .process(new UserActivityFunction(lateness))
                        .name("user-activity")
                        .uid("user-activity");
        rows.add(
                activity.getSideOutput(UserActivityFunction.ACTIVITY)
                        .keyBy(a -> a.day, Types.LONG)
                        .process(new ActiveUsersDailyFunction(lateness))
                        .name("active-users-daily")
                        .uid("active-users-daily"));
        rows.add(
                byUser(activity)
                        .process(
                                new SessionizeFunction(
                                        config.get(AnalyticsOptions.SESSION_GAP).toMillis(),
                                        config.get(AnalyticsOptions.SESSION_MAX).toMillis(),
                                        lateness))
                        .name("sessionize")
                        .uid("sessionize"));

        DataStream<AnalyticsRow> all = rows.get(0);
        for (DataStream<AnalyticsRow> more : rows.subList(1, rows.size())) {
            all = all.union(more);
        }
        all.transform(
                        "clickhouse-analytics-sink",
                        Types.VOID,
                        new AnalyticsSinkOperator(config, AnalyticsTables.all(schema.promoted())))
                .uid("clickhouse-analytics-sink");
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
        if (config.get(AnalyticsOptions.RETENTION_COHORT_BY) != CohortBy.SIGNUP) {
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
        return deltas.connect(signups.keyBy(s -> s.userId, Types.STRING))
                .process(
                        new SignupCohortFunction(returnEvent(config), features(config), properties),
                        TypeInformation.of(EventDelta.class));
    }

    private static List<FunnelDefinition> funnels(SluiceConfig config) {
        List<FunnelDefinition> out = new ArrayList<>();
        for (String f : config.get(AnalyticsOptions.FUNNELS)) {
            out.add(FunnelDefinition.parse(f));
        }
        return out;
    }

    /** A stable hash of a funnel's definition (String.hashCode is specified, not per JVM). */
    static String fingerprint(FunnelDefinition f) {
        return Integer.toHexString(f.toString().hashCode());
    }

    private static String returnEvent(SluiceConfig config) {
        String e = config.get(AnalyticsOptions.RETENTION_RETURN_EVENT);
        return e == null || e.isBlank() ? null : e;
    }

    private static List<FeatureDefinition> features(SluiceConfig config) {
        List<FeatureDefinition> out = new ArrayList<>();
        for (String f : config.get(AnalyticsOptions.FEATURES)) {
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
        return DataStreamUtils.reinterpretAsKeyedStream(passedOn, AnalyticsJob::user, Types.STRING);
    }
}
