package io.sluice.jobs.analytics;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.Preflight;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.analytics.alerts.AlertRule;
import io.sluice.jobs.analytics.alerts.Alerts;
import io.sluice.jobs.analytics.finance.Finance;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventDeltaSerializer;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.StampedChange;
import io.sluice.jobs.analytics.model.StringKey;
import io.sluice.jobs.analytics.operators.CleanAndDedupeFunction;
import io.sluice.jobs.analytics.operators.EventClock;
import io.sluice.jobs.analytics.operators.RollupCombiner;
import io.sluice.jobs.analytics.operators.RollupSpec;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.sink.AnalyticsSinkOperator;
import io.sluice.jobs.archive.ChangeArchive;
import io.sluice.jobs.kafka.KafkaChangeSource;
import io.sluice.jobs.mirror.MirrorJob;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Startup;
import io.sluice.jobs.pii.PiiMasker;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
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
 *                                            ├─ revenue-changes (orders, refunds; idle watermark)
 *                                            │    ├─ keyBy(refund id) revenue-refunds ─┐
 *                                            │    └─ keyBy(order id) revenue-orders ───┴─ revenue-combine
 *                                            │         ─ keyBy(day, currency) revenue-daily (when both tables are captured)
 *                                            ├─ mrr-changes (subscriptions; idle watermark) ─ keyBy(subscription id) mrr-subscriptions
 *                                            │    ─ keyBy(customer) mrr-customers ─ keyBy(one key) mrr-daily (2nd input: mrr-clock,
 *                                            │      the event clock's watermarks)
 *                                            └─ events ─ event-clock(p=1) ─ keyBy(event_id) clean-and-dedupe
 *                                                 ├─ combine ─ keyBy(window, name) events-per-minute / -5m / -hour
 *                                                 ├─ combine ─ keyBy(window, service, version) errors-1m / -1h
 *                                                 ├─ combine ─ keyBy(window, endpoint) latency-1m / -1h
 *                                                 ├─ combine ─ keyBy(user, day) sessions-daily
 *                                                 ├─ keyBy(user) user-cohorts ─ keyBy(week) cohort-weekly
 *                                                 │   (2nd input, cohort-by: signup: keyBy(user) signups) ┘
 *                                                 │   (chained)  funnel-NAME (one per funnel) ─ keyBy(funnel, day) funnel-daily
 *                                                 │   (chained)  user-activity ─ keyBy(day) active-users-daily
 *                                                 │   errors-1m, active-users-daily ─ keyBy(rule, key) alerts
 *                                                 │   (chained)  sessionize
 *                                                 └─ (side output) events, dead_letters, late_events
 *                                                                             ─ analytics sink (commit on checkpoint)
 * </pre>
 *
 * <p>The user-scoped part (one shuffle by user) is wired by {@link UserScopedAnalytics}.
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
        if (SourceOptions.fromKafka(config)) {
            StreamExecutionEnvironment env =
                    KafkaChangeSource.environment(config, "analytics", args);
            build(env, config, KafkaChangeSource.create(config), hasher);
            env.execute("sluice-analytics");
            return;
        }
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
                new LifecycleGuard<>(
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
            LifecycleGuard<ChangeRecord> guard)
            throws SQLException {
        DataStream<ChangeRecord> changes = MirrorJob.changes(env, config, source);
        if (guard != null) {
            changes = MirrorJob.guarded(changes, guard, config);
        }
        changes = PiiMasker.apply(changes, config, hasher);
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
                stamped.keyBy(s -> schema.eventId(s.change), StringKey.TYPE)
                        .process(
                                new CleanAndDedupeFunction(
                                        schema,
                                        skew,
                                        lateness,
                                        config.get(AnalyticsOptions.DEDUPE_TTL).toMillis(),
                                        SourceOptions.fromKafka(config)))
                        .returns(EventDeltaSerializer.TYPE)
                        .name("clean-and-dedupe")
                        .uid("clean-and-dedupe");

        List<AlertRule> alertRules = AlertRule.fromConfig(config);
        List<DataStream<AnalyticsRow>> rows = new ArrayList<>();
        rows.add(deltas.getSideOutput(CleanAndDedupeFunction.ROWS));
        DataStream<AnalyticsRow> errors1m = null;
        for (Rollup rollup : config.get(AnalyticsOptions.ROLLUPS)) {
            RollupSpec spec = RollupSpec.of(rollup, config);
            DataStream<AnalyticsRow> rolled =
                    deltas.transform(
                                    spec.name() + "-combine",
                                    EventDeltaSerializer.TYPE,
                                    new RollupCombiner(spec))
                            .uid(spec.name() + "-combine")
                            .keyBy(d -> spec.key(d.event), Types.STRING)
                            .process(RollupSpec.function(spec, lateness, 0))
                            .name(spec.name())
                            .uid(spec.name());
            rows.add(rolled);
            if (rollup == Rollup.ERRORS_1M) {
                errors1m = rolled;
            }
        }
        UserScopedAnalytics.Rows userScoped =
                UserScopedAnalytics.attach(changes, deltas, config, schema, lateness);
        rows.addAll(userScoped.all());
        rows.addAll(Finance.attach(changes, stamped, config));
        DataStream<AnalyticsRow> alerts =
                Alerts.attach(alertRules, errors1m, userScoped.activeUsers(), lateness);
        if (alerts != null) {
            rows.add(alerts);
        }

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
}
