package io.sluice.jobs.analytics;

import static io.sluice.jobs.analytics.AnalyticsTestSettings.ALERT_MIN_REQUESTS;
import static io.sluice.jobs.analytics.AnalyticsTestSettings.FEATURES;
import static io.sluice.jobs.analytics.AnalyticsTestSettings.FUNNELS;
import static io.sluice.jobs.analytics.AnalyticsTestSettings.PII_KEY;
import static io.sluice.jobs.analytics.AnalyticsTestSettings.PROMOTED_PROPERTIES;
import static io.sluice.jobs.analytics.AnalyticsTestSettings.RETURN_EVENT;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.AlertOptions;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ArchiveOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.archive.ArchiveOracle;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.Resync;
import io.sluice.jobs.serve.GrafanaPanelCheck;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.S3ProxyServer;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analytics job end to end on real Postgres and ClickHouse: three simulated days of events
 * (history read by the snapshot, the last day streamed) with re-deliveries, out-of-order and late
 * events, corrections, deletes, malformed rows and e-mail addresses, while the TaskManager is
 * killed at random moments. The job connects as the shipped least-privilege role
 * (sql/postgres/02_replication_role.sql), not as a superuser. Every analytics table, read with
 * FINAL, must equal the oracle: SQL over the Postgres source tables ({@link EventOracle}).
 */
class AnalyticsJobIT {
    private static final Logger LOG = LoggerFactory.getLogger(AnalyticsJobIT.class);
    private static final int HISTORY_EVENTS = 150_000;
    private static final int STEP_EVENTS = 800;

    /**
     * TaskManager kills while the snapshot is read, and while changes stream: each is a real
     * failover of about half a minute here, so the 26.7 run, which adds the engine and not a new
     * path through the job, takes fewer. (The lifecycle test has its own 20 kills.)
     */
    private static int snapshotFailures(ClickHouseEngine engine) {
        return engine == ClickHouseEngine.LEGACY ? 3 : 1;
    }

    private static int failures(ClickHouseEngine engine) {
        return engine == ClickHouseEngine.LEGACY ? 7 : 3;
    }

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @ParameterizedTest(name = "ClickHouse {0}")
    @EnumSource(ClickHouseEngine.class)
    void rollupsEqualSqlOverTheSourceThroughFailures(
            ClickHouseEngine engine, @InjectMiniCluster MiniCluster cluster, @TempDir Path tmp)
            throws Exception {
        TestServers servers = TestServers.get();
        TestClickHouse clickhouse = servers.clickhouse(engine);
        System.out.println("AnalyticsJobIT on " + clickhouse.describe());
        String pgDb = servers.postgres().newDatabase("analytics");
        String chDb = clickhouse.newDatabase("mirror");
        String anDb = clickhouse.newDatabase("analytics");
        long seed = System.nanoTime();
        LOG.info("workload seed {}", seed);
        Random random = new Random(seed);
        Instant end = Instant.now().truncatedTo(ChronoUnit.MINUTES);

        // The Parquet archive goes to a real S3 API server; credentials come from the
        // environment (surefire sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), as in
        // production.
        try (S3ProxyServer s3 =
                        S3ProxyServer.start(
                                tmp.resolve("s3"),
                                requiredEnv("AWS_ACCESS_KEY_ID"),
                                requiredEnv("AWS_SECRET_ACCESS_KEY"),
                                List.of("archive"));
                Connection pg =
                        DriverManager.getConnection(
                                servers.postgres().jdbcUrl(pgDb),
                                servers.postgres().user(),
                                servers.postgres().password());
                ClickHouseConnection ch =
                        new ClickHouseConnection(
                                clickhouse.url(), clickhouse.user(), clickhouse.password(), anDb)) {
            // The TaskManagers of this test share its JVM. The AWS SDK's S3 response parser looks
            // up an XML factory through the thread's context class loader in its static
            // initializer; run first on a thread of a task whose TaskManager was just killed,
            // that loader is closed, the class fails to initialize, and every later S3 call of
            // this JVM fails (a real TaskManager's kill ends its JVM). Initialize it here.
            Class.forName(
                    "com.amazonaws.services.s3.model.transform.XmlResponsesSaxParser",
                    true,
                    AnalyticsJobIT.class.getClassLoader());
            EventWorkload workload = new EventWorkload(pg, seed, end);
            workload.createTables();
            workload.writeHistory(HISTORY_EVENTS);

            Map<String, Object> settings = settings(servers, clickhouse, pgDb, chDb, anDb, tmp);
            JobTestSupport.asShippedRole(pg, settings); // not a superuser (docs/security.md)
            settings.put(ArchiveOptions.PATH.key(), "s3://archive/sluice");
            settings.put(ArchiveOptions.S3_ENDPOINT.key(), s3.endpoint());
            settings.put(ArchiveOptions.S3_PATH_STYLE_ACCESS.key(), true);
            SluiceConfig config = SluiceConfig.of(settings);
            PiiHasher hasher = PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", PII_KEY));
            MirrorSetup.prepare(config);
            AnalyticsSetup.prepare(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            JobTestSupport.configure(env, config);
            JobTestSupport.restartForever(env, Duration.ofMillis(500));
            AnalyticsJob.build(
                    env,
                    config,
                    MirrorSource.create(config, Resync.anchor(config, "test")),
                    hasher);
            JobClient job = env.executeAsync("analytics-it");

            EventOracle oracle =
                    new EventOracle(pg, ch, PII_KEY).alertMinRequests(ALERT_MIN_REQUESTS);
            long snapshotEvents = oracle.usableEvents();
            // Kills while the snapshot is read, each after a checkpoint completed since the last
            // (a killed TaskManager inside this JVM can leave a chunk reader's transaction open:
            // the job's sessions end idle transactions after 120 s).
            long checkpoints = 0;
            int snapshotKills = 0;
            while (snapshotKills < snapshotFailures(engine)
                    && !Long.toString(snapshotEvents)
                            .equals(
                                    ch.queryValue(
                                            "SELECT count() FROM events FINAL WHERE _is_deleted = 0"))) {
                checkpoints =
                        JobTestSupport.awaitCheckpointAfter(
                                cluster, job, checkpoints, Duration.ofMinutes(2));
                Thread.sleep(random.nextInt(1500)); // a random moment of the snapshot
                JobTestSupport.replaceTaskManager(cluster);
                snapshotKills++;
                LOG.info("killed the TaskManager during the snapshot ({})", snapshotKills);
            }
            await(
                    "snapshot of " + snapshotEvents + " events",
                    () ->
                            Long.toString(snapshotEvents)
                                    .equals(
                                            ch.queryValue(
                                                    "SELECT count() FROM events FINAL WHERE _is_deleted = 0")),
                    Duration.ofMinutes(4));

            // The snapshot is over only once the stream split runs. Until then a failover has the
            // source read chunks again, and a chunk read after the workload's first inserts takes
            // them in as snapshot rows (never late), so the oracle's late events would be counted.
            // A streamed change reaching the mirror shows the stream split runs; one more
            // checkpoint makes every later restore start from streaming.
            long snapshotVersion =
                    Long.parseLong(
                            ch.queryValue("SELECT min(_version) FROM `" + chDb + "`.`users`"));
            try (Statement st = pg.createStatement()) {
                st.execute(
                        "UPDATE users SET plan = plan WHERE user_id = (SELECT min(user_id) FROM users)");
            }
            await(
                    "a streamed change in the mirror (the snapshot is over)",
                    () ->
                            Long.parseLong(
                                            ch.queryValue(
                                                    "SELECT max(_version) FROM `"
                                                            + chDb
                                                            + "`.`users`"))
                                    > snapshotVersion,
                    Duration.ofMinutes(4));
            checkpoints =
                    JobTestSupport.awaitCheckpointAfter(
                            cluster,
                            job,
                            JobTestSupport.completedCheckpoints(cluster, job),
                            Duration.ofMinutes(2));

            int steps = 0;
            List<Integer> failAt = new ArrayList<>();
            int plannedSteps = 100;
            while (failAt.size() < failures(engine)) {
                int s = 5 + random.nextInt(plannedSteps - 15);
                if (!failAt.contains(s)) {
                    failAt.add(s);
                }
            }
            LOG.info("killing the TaskManager after steps {}", failAt);
            while (!workload.finished()) {
                workload.streamStep(STEP_EVENTS);
                if (steps % 25 == 0) {
                    workload.updateUserEmails(20);
                }
                if (failAt.contains(steps)) {
                    // Fail only after a checkpoint completed since the last failure, at a random
                    // moment of the step that follows.
                    checkpoints =
                            JobTestSupport.awaitCheckpointAfter(
                                    cluster, job, checkpoints, Duration.ofMinutes(2));
                    Thread.sleep(random.nextInt(400)); // a random moment while changes stream
                    JobTestSupport.replaceTaskManager(cluster);
                    LOG.info("killed the TaskManager after step {}", steps);
                }
                steps++;
                Thread.sleep(50); // paces the workload so it streams while the job runs
            }
            LOG.info("{} steps, {} events written in all", steps, workload.totalEvents());
            System.out.println(
                    "AnalyticsJobIT on "
                            + clickhouse.describe()
                            + ": "
                            + (snapshotKills + failures(engine))
                            + " TaskManager kills ("
                            + snapshotKills
                            + " during the snapshot, "
                            + failures(engine)
                            + " while streaming)");
            assertThat(snapshotKills).as("kills during the snapshot").isPositive();

            List<String> differences = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            do {
                Thread.sleep(2_000); // polling until the job has caught up, with a deadline
                differences = oracle.compareAll();
            } while (!differences.isEmpty() && System.nanoTime() < deadline);
            assertThat(differences).isEmpty();
            for (String rule : List.of("error_rate", "dau_drop")) {
                for (String state : List.of("firing", "resolved")) {
                    assertThat(oracle.alertCount(rule, state)).as(rule + " " + state).isPositive();
                }
            }
            assertThat(workload.totalEvents()).isGreaterThanOrEqualTo(200_000);
            assertThat(steps).as("steps (failures planned up to step 85)").isGreaterThan(85);
            assertThat(oracle.rawEmailsInClickHouse(List.of(chDb, anDb))).isEmpty();
            // Every Grafana panel's SQL (docker/grafana/dashboards), expanded as the plugin does,
            // runs on this engine over all the data and has its panel's shape; the health panels
            // run on Postgres.
            GrafanaPanelCheck.run(
                    ch, anDb, Instant.parse("2000-01-01T00:00:00Z"), end.plus(2, ChronoUnit.DAYS));
            GrafanaPanelCheck.runPostgres(pg);

            // The archive, read through the files S3Proxy stored (only committed objects are
            // named changes-*.parquet): every change once, and replaying them gives the source.
            // Stop with a savepoint: the sinks commit on it before the tasks finish.
            JobTestSupport.stopWithSavepoint(cluster, job, tmp.resolve("savepoints"));
            ArchiveOracle archive = ArchiveOracle.read(s3.bucketDir("archive").resolve("sluice"));
            LOG.info(
                    "archive: {} changes in {} files",
                    archive.changes().size(),
                    archive.files().size());
            assertThat(archive.files()).isNotEmpty();
            assertThat(archive.files())
                    .allMatch(
                            f ->
                                    f.toString()
                                            .matches(
                                                    ".*/sluice/public\\.(users|events|orders|refunds|subscriptions)/dt=\\d{4}-\\d\\d-\\d\\d/hour=\\d\\d/changes-.*\\.parquet"));
            // A streamed change exactly once; a snapshot row may repeat, identical (Flink CDC
            // reads unacknowledged chunks again after a restore during the snapshot).
            assertThat(archive.duplicates())
                    .as("repeated archived changes other than snapshot rows")
                    .allMatch(d -> d.matches("\\d+x \\S+ SNAPSHOT .*"));
            List<String> eventColumns = List.of("user_id", "event_name", "occurred_at");
            assertThat(archive.finalRows("public.events", "event_id", eventColumns))
                    .isEqualTo(
                            ArchiveOracle.sourceRows(
                                    pg,
                                    "events",
                                    "event_id",
                                    List.of(
                                            "user_id",
                                            "event_name",
                                            ArchiveOracle.isoUtc("occurred_at"))));
            assertThat(archive.finalRows("public.users", "user_id", List.of("plan")))
                    .isEqualTo(ArchiveOracle.sourceRows(pg, "users", "user_id", List.of("plan")));
            assertThat(archive.changes()).noneMatch(c -> c.rowJson().contains("@example.com"));

            // The workload covered what it claims (counts from the source, and the merged and
            // capped sessions whose exact rows the oracle compared above).
            assertThat(count(pg, "SELECT count(*) FROM expected_late")).as("late").isPositive();
            assertThat(count(pg, "SELECT count(*) FROM orders WHERE status = 'refunded'"))
                    .as("refunded orders")
                    .isPositive();
            assertThat(
                            count(
                                    pg,
                                    "SELECT count(*) FROM orders WHERE status IN ('canceled', 'failed')"))
                    .as("canceled and failed orders")
                    .isPositive();
            assertThat(
                            count(
                                    pg,
                                    "SELECT count(*) FROM refunds WHERE order_id NOT IN"
                                            + " (SELECT order_id FROM orders)"))
                    .as("refunds whose order is deleted or still to come (held, not counted)")
                    .isPositive();
            assertThat(
                            ch.queryValue(
                                    "SELECT count() FROM revenue_daily FINAL WHERE _is_deleted = 0"
                                            + " AND refunds > 0 AND gross > 0"))
                    .as("days with orders and refunds")
                    .isNotEqualTo("0");
            for (String movement :
                    List.of("new_mrr", "expansion_mrr", "contraction_mrr", "churned_mrr")) {
                assertThat(
                                ch.queryValue(
                                        "SELECT count() FROM mrr_daily FINAL WHERE _is_deleted = 0"
                                                + " AND "
                                                + movement
                                                + " > 0"))
                        .as("days with " + movement)
                        .isNotEqualTo("0");
            }
            assertThat(count(pg, "SELECT count(*) FROM events") - oracle.usableEvents())
                    .as("dead letters")
                    .isPositive();
            for (String f : FUNNELS) {
                String name = f.substring(0, f.indexOf(':'));
                assertThat(
                                ch.queryValue(
                                        "SELECT count() FROM funnel_daily FINAL WHERE funnel = '"
                                                + name
                                                + "' AND step >= 2 AND users > 0"))
                        .as("days on which funnel %s converted past step 1", name)
                        .isNotEqualTo("0");
            }
            assertThat(
                            ch.queryValue(
                                    "SELECT count() FROM retention_weekly FINAL WHERE week_n >= 1"
                                            + " AND retained_users > 0"))
                    .as("cohorts with users returning in a later week")
                    .isNotEqualTo("0");
            assertThat(
                            ch.queryValue(
                                    "SELECT uniqExact(feature) FROM feature_adoption_weekly FINAL"
                                            + " WHERE adopters > 0"))
                    .as("features adopted (invite_sent and the plans of purchases)")
                    .isEqualTo("4");
            assertThat(ch.queryValue("SELECT count() FROM sessions FINAL WHERE _is_deleted = 1"))
                    .as("sessions merged into an earlier one")
                    .isNotEqualTo("0");
            assertThat(
                            ch.queryValue(
                                    "SELECT count() FROM sessions FINAL WHERE _is_deleted = 0"
                                            + " AND duration_s >= 86400 - 600"))
                    .as("sessions cut at 24 hours")
                    .isNotEqualTo("0");

            try (Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM pg_replication_slots WHERE database = current_database()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("replication slots").isEqualTo(1);
            }
        }
    }

    private static String requiredEnv(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException(
                    name + " is not set: run the tests through Maven (its surefire sets it)");
        }
        return value;
    }

    private static long count(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Prepares both ends for the analytics job the configuration describes and starts it without
     * restarts (the first failure fails the test), PII hashed with {@link #PII_KEY}.
     */
    static JobClient startWithoutRestarts(SluiceConfig config, String jobName) throws Exception {
        return start(config, jobName, false);
    }

    /** Sets up ClickHouse and starts the job from Postgres, restarting it after any failure. */
    static JobClient startRestarting(SluiceConfig config, String jobName) throws Exception {
        return start(config, jobName, true);
    }

    private static JobClient start(SluiceConfig config, String jobName, boolean restart)
            throws Exception {
        MirrorSetup.prepare(config);
        AnalyticsSetup.prepare(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobTestSupport.configure(env, config);
        if (restart) {
            JobTestSupport.restartForever(env, Duration.ofMillis(500));
        } else {
            JobTestSupport.noRestart(env);
        }
        AnalyticsJob.build(
                env,
                config,
                MirrorSource.create(config, Resync.anchor(config, "test")),
                PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", PII_KEY)));
        return env.executeAsync(jobName);
    }

    static Map<String, Object> settings(
            TestServers servers, String pgDb, String chDb, String anDb, Path tmp) {
        return settings(servers, servers.clickhouse(), pgDb, chDb, anDb, tmp);
    }

    static Map<String, Object> settings(
            TestServers servers,
            TestClickHouse clickhouse,
            String pgDb,
            String chDb,
            String anDb,
            Path tmp) {
        Map<String, Object> values =
                JobTestSupport.settings(
                        servers,
                        pgDb,
                        chDb,
                        List.of(
                                "public.users",
                                "public.events",
                                "public.orders",
                                "public.refunds",
                                "public.subscriptions"),
                        tmp);
        JobTestSupport.useClickHouse(values, clickhouse);
        values.put(JobOptions.PARALLELISM.key(), 2);
        values.put(AnalyticsOptions.DATABASE.key(), anDb);
        values.put(AnalyticsOptions.PROMOTED_PROPERTIES.key(), PROMOTED_PROPERTIES);
        values.put(AnalyticsOptions.OUT_OF_ORDERNESS.key(), Duration.ofMinutes(5));
        values.put(AnalyticsOptions.REPAIR_HORIZON.key(), Duration.ofDays(1));
        values.put(AnalyticsOptions.MAX_FUTURE_SKEW.key(), Duration.ofMinutes(10));
        values.put(ProductAnalyticsOptions.FUNNELS.key(), FUNNELS);
        values.put(ProductAnalyticsOptions.RETENTION_RETURN_EVENT.key(), RETURN_EVENT);
        values.put(ProductAnalyticsOptions.FEATURES.key(), FEATURES);
        values.put(AlertOptions.ERROR_RATE_MIN_REQUESTS.key(), ALERT_MIN_REQUESTS);
        values.put(PiiOptions.COLUMNS.key(), List.of("public.users.email"));
        values.put(PiiOptions.PROPERTY_KEYS.key(), List.of("email"));
        // Addresses anywhere else (malformed properties, dead letters) are hashed too; no address
        // may reach ClickHouse (rawEmailsInClickHouse).
        values.put(PiiOptions.DETECT_EMAILS.key(), true);
        return values;
    }

    private static void await(String what, Supplier<Boolean> condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not reached within " + timeout);
            }
            Thread.sleep(500); // polling ClickHouse, with a deadline
        }
    }
}
