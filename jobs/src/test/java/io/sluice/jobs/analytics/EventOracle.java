package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.FeatureDefinition;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.definitions.FinanceQueries;
import io.sluice.jobs.SqlSets;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * What every analytics table must hold, computed by SQL over the Postgres source tables (and the
 * workload's {@code expected_late}), compared with ClickHouse read with FINAL. The definitions are
 * written from docs/analytics.md, independently of the job's code: usable = user and time present,
 * not more than 10 minutes ahead, properties a JSON object whose plan is a string and duration_ms
 * an integral number; counted = usable and not late.
 */
public final class EventOracle {
    static final String USABLE =
            "user_id IS NOT NULL AND occurred_at IS NOT NULL"
                    + " AND occurred_at <= now() + interval '10 minutes'"
                    + " AND (properties IS NULL OR (jsonb_typeof(properties) = 'object'"
                    + " AND coalesce(jsonb_typeof(properties->'plan'), 'null') IN ('string', 'null')"
                    + " AND (coalesce(jsonb_typeof(properties->'duration_ms'), 'null') = 'null'"
                    + " OR (jsonb_typeof(properties->'duration_ms') = 'number'"
                    + " AND (properties->>'duration_ms')::numeric"
                    + " = trunc((properties->>'duration_ms')::numeric)))))";
    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Connection pg;
    private final ClickHouseConnection ch;
    private final Mac mac;

    /** Whether the job runs with {@code analytics.retention.cohort-by: signup}. */
    private boolean cohortBySignup;

    /** Per table, the periods compared ({@link #onlyRowsIn}); {@code null}: every row. */
    private Map<String, long[]> ranges;

    public EventOracle(Connection pg, ClickHouseConnection ch, String hmacKey) throws Exception {
        this.pg = pg;
        this.ch = ch;
        this.mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(hmacKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        try (Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE OR REPLACE TEMP VIEW usable AS SELECT * FROM events WHERE " + USABLE);
            st.execute(
                    "CREATE OR REPLACE TEMP VIEW counted AS SELECT * FROM usable"
                            + " WHERE event_id NOT IN (SELECT event_id FROM expected_late)");
            // Sessions: sequential by nature (the 24 h cap restarts at each session's start).
            st.execute(
                    "CREATE OR REPLACE FUNCTION pg_temp.sessions(gap interval, max_len interval)"
                            + " RETURNS TABLE(o_user text, o_start timestamptz, o_end timestamptz,"
                            + " o_events bigint, o_entry text, o_exit text) LANGUAGE plpgsql AS $$"
                            + " DECLARE r record; cur text; s timestamptz; e timestamptz;"
                            + " n bigint; en text; ex text;"
                            + " BEGIN"
                            + " FOR r IN SELECT c.user_id::text AS u, c.occurred_at AS t,"
                            + "   c.event_name AS nm FROM counted c"
                            + "   ORDER BY c.user_id, c.occurred_at, c.event_id LOOP"
                            + "  IF cur IS DISTINCT FROM r.u OR r.t - e > gap OR r.t - s >= max_len THEN"
                            + "   IF cur IS NOT NULL THEN"
                            + "    o_user := cur; o_start := s; o_end := e; o_events := n;"
                            + "    o_entry := en; o_exit := ex; RETURN NEXT;"
                            + "   END IF;"
                            + "   cur := r.u; s := r.t; n := 0; en := r.nm;"
                            + "  END IF;"
                            + "  e := r.t; ex := r.nm; n := n + 1;"
                            + " END LOOP;"
                            + " IF cur IS NOT NULL THEN"
                            + "  o_user := cur; o_start := s; o_end := e; o_events := n;"
                            + "  o_entry := en; o_exit := ex; RETURN NEXT;"
                            + " END IF;"
                            + " END $$");
        }
    }

    /** As {@link AnalyticsJobIT#settings}, which every job under test starts from, sets it. */
    private int alertMinRequests = AnalyticsTestSettings.ALERT_MIN_REQUESTS;

    /** The job under test takes cohorts from users.created_at. */
    EventOracle bySignup() {
        cohortBySignup = true;
        return this;
    }

    long usableEvents() throws SQLException {
        return pgSet("SELECT event_id FROM usable").size();
    }

    public List<String> compareAll() throws Exception {
        List<String> d = new ArrayList<>();
        d.addAll(compareEvents());
        d.addAll(
                compare(
                        "dead_letters",
                        pgSet("SELECT event_id FROM events WHERE NOT (" + USABLE + ")"),
                        chSet(
                                "SELECT event_id FROM dead_letters FINAL WHERE _is_deleted = 0"
                                        + " AND reason != '' AND source_table = 'public.events'")));
        d.addAll(
                compare(
                        "late_events",
                        pgSet(
                                "SELECT event_id FROM expected_late WHERE event_id IN"
                                        + " (SELECT event_id FROM usable)"),
                        chSet("SELECT DISTINCT event_id FROM late_events")));
        d.addAll(
                compare(
                        "events_per_minute",
                        pgSet(
                                "SELECT m || '|' || event_name || '|' || count(*) FROM (SELECT"
                                        + " extract(epoch FROM date_trunc('minute', occurred_at))::bigint AS m,"
                                        + " event_name FROM counted) x GROUP BY m, event_name"),
                        chSet(
                                "SELECT concat(toString(toUnixTimestamp(minute)), '|', event_name,"
                                        + " '|', toString(events)) FROM events_per_minute FINAL"
                                        + " WHERE events != 0")));
        d.addAll(
                compare(
                        "events_per_5m",
                        pgSet(
                                "SELECT (floor(extract(epoch FROM occurred_at) / 300) * 300)::bigint"
                                        + " || '|' || event_name || '|' || count(*) FROM counted"
                                        + " GROUP BY floor(extract(epoch FROM occurred_at) / 300), event_name"),
                        chSet(
                                "SELECT concat(toString(toUnixTimestamp(window_start)), '|',"
                                        + " event_name, '|', toString(events)) FROM events_per_5m FINAL"
                                        + " WHERE events != 0")));
        d.addAll(
                compare(
                        "events_per_hour",
                        pgSet(
                                "SELECT (floor(extract(epoch FROM occurred_at) / 3600) * 3600)::bigint"
                                        + " || '|' || event_name || '|' || count(*) FROM counted"
                                        + " GROUP BY floor(extract(epoch FROM occurred_at) / 3600), event_name"),
                        chSet(
                                "SELECT concat(toString(toUnixTimestamp(hour)), '|',"
                                        + " event_name, '|', toString(events)) FROM events_per_hour FINAL"
                                        + " WHERE events != 0")));
        d.addAll(compareOperational());
        d.addAll(compareAlerts());
        d.addAll(compareUserScoped());
        d.addAll(compareRevenue());
        d.addAll(compareMrr());
        return d;
    }

    /**
     * analytics.mrr_daily against {@link FinanceQueries#mrrDaily} up to the UTC day the job's event
     * clock has certainly reached: that of 6 minutes before the newest counted event (its
     * out-of-orderness is 5). A row of a later day the clock may already have reached is not
     * compared.
     */
    List<String> compareMrr() throws SQLException {
        String newest =
                pgSet("SELECT extract(epoch FROM max(occurred_at))::bigint FROM counted")
                        .iterator()
                        .next();
        java.time.LocalDate last =
                java.time.LocalDate.ofEpochDay(Math.floorDiv(Long.parseLong(newest) - 360, 86_400));
        Set<String> expected = new HashSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(FinanceQueries.mrrDaily(last))) {
            while (rs.next()) {
                List<String> f = new ArrayList<>();
                for (int i = 1; i <= 7; i++) {
                    f.add(
                            i == 1 || i == 7
                                    ? rs.getString(i)
                                    : FinanceQueries.number(rs.getString(i)));
                }
                expected.add(String.join("|", f));
            }
        }
        Set<String> actual = new HashSet<>();
        for (List<String> r : ch.query(FinanceQueries.mrrDailyClickHouse(last))) {
            List<String> f = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                String v = TsvCodec.unescape(r.get(i));
                f.add(i == 0 || i == 6 ? v : FinanceQueries.number(v));
            }
            actual.add(String.join("|", f));
        }
        return compare("mrr_daily", expected, actual);
    }

    /**
     * analytics.revenue_daily against {@link FinanceQueries#REVENUE_DAILY} (amounts compared as
     * numbers: 18.16 prints a Decimal's trailing zeros, newer servers do not), and no orders or
     * refunds row is a dead letter (the workload writes none).
     */
    List<String> compareRevenue() throws SQLException {
        Set<String> expected = new HashSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(FinanceQueries.REVENUE_DAILY)) {
            while (rs.next()) {
                List<String> f = new ArrayList<>();
                for (int i = 1; i <= 6; i++) {
                    f.add(i <= 3 ? rs.getString(i) : FinanceQueries.number(rs.getString(i)));
                }
                expected.add(String.join("|", f));
            }
        }
        Set<String> actual = new HashSet<>();
        for (List<String> r : ch.query(FinanceQueries.REVENUE_DAILY_CLICKHOUSE)) {
            List<String> f = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                String v = TsvCodec.unescape(r.get(i));
                f.add(i < 3 ? v : FinanceQueries.number(v));
            }
            actual.add(String.join("|", f));
        }
        List<String> d = new ArrayList<>(compare("revenue_daily", expected, actual));
        String dead =
                ch.queryValue(
                                "SELECT count() FROM dead_letters FINAL WHERE _is_deleted = 0"
                                        + " AND source_table IN ('public.orders', 'public.refunds',"
                                        + " 'public.subscriptions')")
                        .trim();
        if (ranges == null && !"0".equals(dead)) {
            d.add(
                    "dead_letters: "
                            + dead
                            + " orders, refunds or subscriptions rows, but all are usable");
        }
        return d;
    }

    /** The operational rollups: errors and latency. */
    List<String> compareOperational() throws SQLException {
        List<String> d = new ArrayList<>(compareErrors());
        d.addAll(compareLatency());
        return d;
    }

    /**
     * Streams one event just after the newest counted one (user 1, a bot active all the time, so no
     * table but events and the per-minute counts moves): after a fresh start the job's event clock
     * only runs with streamed events, and the alerts are evaluated up to where it stands.
     */
    /**
     * What a failed comparison needs to be understood after the servers are gone: every late_events
     * row, and every stored version (unmerged, deletes too) of the events it names.
     */
    List<String> lateEventDetails() {
        List<String> lines = new ArrayList<>();
        for (List<String> r :
                ch.query(
                        "SELECT event_id, kind, toString(_version), toString(watermark),"
                                + " toString(occurred_at) FROM late_events ORDER BY event_id, _version"
                                + " LIMIT 20")) {
            lines.add("late_events: " + String.join(" ", r));
        }
        for (List<String> r :
                ch.query(
                        "SELECT event_id, event_name, toString(_version), toString(_is_deleted)"
                                + " FROM events WHERE event_id IN (SELECT event_id FROM late_events)"
                                + " ORDER BY event_id, _version LIMIT 40")) {
            lines.add("events version: " + String.join(" ", r));
        }
        return lines;
    }

    void tickEventClock() throws SQLException {
        try (Statement st = pg.createStatement()) {
            st.execute(
                    "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                            + " SELECT gen_random_uuid(), 1, max(occurred_at) + interval '1 second',"
                            + " 'clock_tick', '{}' FROM counted");
        }
    }

    /**
     * Polls until every analytics table equals SQL over Postgres, failing with the differences once
     * {@code within} has passed.
     */
    void awaitExact(Duration within) throws Exception {
        awaitExact(within, List::of);
    }

    /**
     * As {@link #awaitExact(Duration)}, with more comparisons ({@code more}: differences of tables
     * this oracle does not know, such as the mirror's) that must come out empty too. A comparison
     * that throws (a table not created yet) counts as a difference.
     */
    public void awaitExact(Duration within, java.util.concurrent.Callable<List<String>> more)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        long nextTick = System.nanoTime();
        List<String> differences = new ArrayList<>();
        do {
            Thread.sleep(2_000); // polling until the job has caught up, with a deadline
            differences.clear();
            try {
                differences.addAll(compareAll());
                differences.addAll(more.call());
            } catch (RuntimeException notYet) {
                differences.add(String.valueOf(notYet.getMessage()));
            }
            // The event clock runs on streamed events only: after a snapshot with nothing
            // streamed since, the alerts and mrr_daily's days wait for the next streamed event.
            // Once nothing but those differs, one more event moves the clock; again after a
            // while, as one written while the snapshot still ran is read by it and moves nothing.
            if (!differences.isEmpty()
                    && differences.stream()
                            .allMatch(d -> d.startsWith("alerts ") || d.startsWith("mrr_daily"))
                    && System.nanoTime() >= nextTick) {
                tickEventClock();
                nextTick = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            }
        } while (!differences.isEmpty() && System.nanoTime() < deadline);
        assertThat(differences).as("analytics tables against SQL over Postgres").isEmpty();
    }

    /** The job under test has this analytics.alerts.error-rate.min-requests. */
    EventOracle alertMinRequests(int n) {
        alertMinRequests = n;
        return this;
    }

    /**
     * analytics.alerts: the transitions of error_rate and dau_drop ({@link
     * OperationalOracle#errorRateAlerts}, {@link OperationalOracle#dauDropAlerts}) at the ends of
     * minutes and days the job's watermark has certainly passed: 6 minutes before the newest
     * counted event (its out-of-orderness is 5).
     */
    List<String> compareAlerts() throws SQLException {
        String newest =
                pgSet("SELECT extract(epoch FROM max(occurred_at))::bigint FROM counted")
                        .iterator()
                        .next();
        long bound = Long.parseLong(newest) - 360;
        List<String> d = new ArrayList<>();
        d.addAll(
                compare(
                        "alerts error_rate",
                        pgSet(OperationalOracle.errorRateAlerts(bound, alertMinRequests)),
                        chSet(OperationalOracle.alertsClickHouse("error_rate", bound))));
        d.addAll(
                compare(
                        "alerts dau_drop",
                        pgSet(OperationalOracle.dauDropAlerts(bound)),
                        chSet(OperationalOracle.alertsClickHouse("dau_drop", bound))));
        return d;
    }

    /** How many transitions of {@code rule} in {@code state} the alerts table holds. */
    long alertCount(String rule, String state) throws SQLException {
        return Long.parseLong(
                ch.queryValue(
                                "SELECT count() FROM alerts FINAL WHERE _is_deleted = 0 AND rule = '"
                                        + rule
                                        + "' AND state = '"
                                        + state
                                        + "'")
                        .trim());
    }

    /** latency_1m and latency_1h ({@link OperationalOracle#latency}). */
    List<String> compareLatency() throws SQLException {
        List<String> d = new ArrayList<>();
        for (String table : List.of("latency_1m", "latency_1h")) {
            d.addAll(
                    compare(
                            table,
                            pgSet(OperationalOracle.latency(table)),
                            chSet(OperationalOracle.latencyClickHouse(table))));
        }
        return d;
    }

    /**
     * errors_1m and errors_1h ({@link OperationalOracle#errors}); and every row's error_rate is
     * errors / requests.
     */
    List<String> compareErrors() throws SQLException {
        List<String> d = new ArrayList<>();
        for (String table : List.of("errors_1m", "errors_1h")) {
            d.addAll(
                    compare(
                            table,
                            pgSet(OperationalOracle.errors(table)),
                            chSet(OperationalOracle.errorsClickHouse(table))));
            String wrongRates = ch.queryValue(OperationalOracle.wrongErrorRates(table)).trim();
            if (!"0".equals(wrongRates)) {
                d.add(
                        table
                                + ": "
                                + wrongRates
                                + " rows whose error_rate is not errors / requests");
            }
        }
        return d;
    }

    /**
     * The user-scoped tables: active_users_daily, sessions, sessions_daily, and {@link
     * #compareProductAnalytics}.
     */
    List<String> compareUserScoped() throws Exception {
        List<String> d = new ArrayList<>();
        d.addAll(
                compare(
                        "active_users_daily",
                        pgSet(
                                "WITH ud AS (SELECT DISTINCT user_id, (occurred_at AT TIME ZONE 'UTC')::date"
                                        + " AS day FROM counted), days AS (SELECT generate_series(min(day),"
                                        + " max(day) + 29, interval '1 day')::date AS d FROM ud)"
                                        + " SELECT d || '|' || count(DISTINCT user_id) FILTER (WHERE day = d)"
                                        + " || '|' || count(DISTINCT user_id) FILTER (WHERE day > d - 7)"
                                        + " || '|' || count(DISTINCT user_id)"
                                        + " FROM days JOIN ud ON day BETWEEN d - 29 AND d GROUP BY d"),
                        chSet(
                                "SELECT concat(toString(day), '|', toString(dau), '|', toString(wau),"
                                        + " '|', toString(mau)) FROM active_users_daily FINAL"
                                        + " WHERE dau != 0 OR wau != 0 OR mau != 0")));
        d.addAll(
                compare(
                        "sessions",
                        pgSet(
                                "SELECT o_user || '|' || (extract(epoch FROM o_start) * 1000000)::bigint"
                                        + " || '|' || (extract(epoch FROM o_end) * 1000000)::bigint"
                                        + " || '|' || o_events || '|' || o_entry || '|' || o_exit"
                                        + " FROM pg_temp.sessions(interval '30 minutes', interval '24 hours')"),
                        chSet(
                                "SELECT concat(user_id, '|', toString(started_at_us), '|',"
                                        + " toString(ended_at_us), '|', toString(events), '|', entry_event,"
                                        + " '|', exit_event) FROM sessions FINAL WHERE _is_deleted = 0")));
        d.addAll(
                compare(
                        "sessions_daily",
                        pgSet(
                                // The dbt model: every user-day with events, countIf for
                                // starts and ends.
                                "SELECT user_id || '|' || (occurred_at AT TIME ZONE 'UTC')::date"
                                        + " || '|' || count(*) FILTER (WHERE event_name = 'session_start')"
                                        + " || '|' || count(*) FILTER (WHERE event_name = 'session_end')"
                                        + " || '|' || count(*)"
                                        + " FROM counted"
                                        + " GROUP BY user_id, (occurred_at AT TIME ZONE 'UTC')::date"),
                        chSet(
                                "SELECT concat(user_id, '|', toString(session_day), '|',"
                                        + " toString(starts), '|', toString(ends), '|', toString(events))"
                                        + " FROM sessions_daily FINAL WHERE events > 0")));
        d.addAll(compareProductAnalytics());
        return d;
    }

    /**
     * funnel_daily, retention_weekly and feature_adoption_weekly of the configuration in {@link
     * AnalyticsJobIT#settings}: against SQL over the counted events in Postgres, and (the ordered
     * funnel without filters, and retention) against ClickHouse's own {@code windowFunnel} and
     * {@code retention} over analytics.events, a second oracle independent of the first.
     */
    List<String> compareProductAnalytics() throws Exception {
        List<String> d = new ArrayList<>();
        try (Statement st = pg.createStatement()) {
            // The counted events with text ids (the job orders a user's events by id as text),
            // indexed for the funnel oracle's per-step lookups.
            st.execute("DROP TABLE IF EXISTS pg_temp.funnel_events");
            st.execute(
                    "CREATE TEMP TABLE funnel_events AS SELECT event_id::text AS event_id,"
                            + " user_id::text AS user_id, occurred_at, event_name, properties"
                            + " FROM counted");
            st.execute("CREATE INDEX ON funnel_events (user_id, occurred_at)");
            st.execute("ANALYZE funnel_events");
        }
        for (String definition : AnalyticsTestSettings.FUNNELS) {
            FunnelDefinition f = FunnelDefinition.parse(definition);
            d.addAll(
                    compare(
                            "funnel_daily " + f.name(),
                            pgSet(
                                    "SELECT funnel || '|' || day || '|' || step || '|' || users"
                                            + " || '|' || round(median_seconds_to_step * 1000000)::bigint"
                                            + " FROM ("
                                            + FunnelOracle.postgres(f, "funnel_events")
                                            + ") o WHERE users > 0"),
                            chSet(
                                    "SELECT concat(funnel, '|', toString(day), '|', toString(step),"
                                            + " '|', toString(users), '|',"
                                            + " toString(toInt64(round(median_seconds_to_step * 1000000))))"
                                            + " FROM funnel_daily FINAL WHERE users > 0 AND funnel = '"
                                            + f.name()
                                            + "'")));
            if (f.mode() == FunnelDefinition.Mode.ORDERED
                    && f.steps().stream().allMatch(s -> s.filters().isEmpty())) {
                d.addAll(
                        compare(
                                "funnel_daily " + f.name() + " by windowFunnel",
                                chSet(
                                        "SELECT concat(day, '|', toString(step), '|',"
                                                + " toString(users)) FROM ("
                                                + FunnelOracle.clickHouseUsers(
                                                        f, database(), ranges == null)
                                                + ")"),
                                chSet(
                                        "SELECT concat(toString(day), '|', toString(step), '|',"
                                                + " toString(users)) FROM funnel_daily FINAL"
                                                + " WHERE users > 0 AND funnel = '"
                                                + f.name()
                                                + "'")));
            }
        }
        String retention =
                "SELECT concat(toString(cohort_week), '|', toString(week_n), '|',"
                        + " toString(cohort_users), '|', toString(retained_users))";
        d.addAll(
                compare(
                        "retention_weekly",
                        pgSet(
                                "SELECT cohort_week || '|' || week_n || '|' || cohort_users || '|'"
                                        + " || retained_users FROM ("
                                        + (cohortBySignup
                                                ? CohortOracle.postgresRetentionWeeklyBySignup(
                                                        "counted",
                                                        CohortOracle.Columns.DEFAULT,
                                                        "users",
                                                        CohortOracle.UserColumns.DEFAULT,
                                                        AnalyticsTestSettings.RETURN_EVENT)
                                                : CohortOracle.postgresRetentionWeekly(
                                                        "counted",
                                                        CohortOracle.Columns.DEFAULT,
                                                        AnalyticsTestSettings.RETURN_EVENT))
                                        + ") o"),
                        chSet(retention + " FROM retention_weekly FINAL WHERE cohort_users > 0")));
        if (!cohortBySignup) {
            d.addAll(
                    compare(
                            "retention_weekly by retention()",
                            chSet(
                                    retention
                                            + " FROM ("
                                            + CohortOracle.clickHouseRetentionWeekly(
                                                    database(),
                                                    AnalyticsTestSettings.RETURN_EVENT,
                                                    // After a backfill (onlyRowsIn) every usable
                                                    // event counts: the events the stream left
                                                    // out as late are in its replay.
                                                    ranges == null)
                                            + ")"),
                            chSet(
                                    retention
                                            + " FROM retention_weekly FINAL WHERE cohort_users > 0")));
        }
        List<FeatureDefinition> features = new ArrayList<>();
        for (String f : AnalyticsTestSettings.FEATURES) {
            features.add(FeatureDefinition.parse(f));
        }
        d.addAll(
                compare(
                        "feature_adoption_weekly",
                        pgSet(
                                "SELECT cohort_week || '|' || feature || '|' || week_n || '|'"
                                        + " || cohort_users || '|' || adopters FROM ("
                                        + (cohortBySignup
                                                ? CohortOracle
                                                        .postgresFeatureAdoptionWeeklyBySignup(
                                                                "counted",
                                                                CohortOracle.Columns.DEFAULT,
                                                                "users",
                                                                CohortOracle.UserColumns.DEFAULT,
                                                                features)
                                                : CohortOracle.postgresFeatureAdoptionWeekly(
                                                        "counted",
                                                        CohortOracle.Columns.DEFAULT,
                                                        features))
                                        + ") o"),
                        chSet(
                                "SELECT concat(toString(cohort_week), '|', feature, '|',"
                                        + " toString(week_n), '|', toString(cohort_users), '|',"
                                        + " toString(adopters)) FROM feature_adoption_weekly FINAL"
                                        + " WHERE cohort_users > 0 AND (cohort_week, feature) IN (SELECT cohort_week,"
                                        + " feature FROM feature_adoption_weekly FINAL"
                                        + " WHERE week_n = 12 AND adopters > 0)")));
        return d;
    }

    private String database() {
        return ch.queryValue("SELECT currentDatabase()").trim();
    }

    /** analytics.events: every usable event, promoted properties split out, e-mails hashed. */
    List<String> compareEvents() throws Exception {
        Set<String> expected = new HashSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT event_id, user_id, (extract(epoch FROM occurred_at) * 1000000)::bigint,"
                                        + " event_name, properties->>'plan', properties->>'duration_ms',"
                                        + " coalesce(properties, '{}') - 'plan' - 'duration_ms'"
                                        + " FROM usable")) {
            while (rs.next()) {
                ObjectNode rest = (ObjectNode) JSON.readTree(rs.getString(7));
                hashEmailKeys(rest);
                String duration = rs.getString(6);
                expected.add(
                        String.join(
                                "|",
                                rs.getString(1),
                                rs.getString(2),
                                rs.getString(3),
                                rs.getString(4),
                                String.valueOf(rs.getString(5)),
                                duration == null
                                        ? "null"
                                        : Long.toString(
                                                new java.math.BigDecimal(duration)
                                                        .longValueExact()),
                                canonical(rest.toString())));
            }
        }
        Set<String> actual = new HashSet<>();
        for (List<String> r :
                ch.query(
                        "SELECT event_id, user_id, occurred_at_us, event_name, prop_plan,"
                                + " prop_duration_ms, properties_json FROM events FINAL"
                                + " WHERE _is_deleted = 0")) {
            List<String> f = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                f.add(TsvCodec.isNull(r.get(i)) ? "null" : TsvCodec.unescape(r.get(i)));
            }
            f.add(canonical(TsvCodec.unescape(r.get(6))));
            actual.add(String.join("|", f));
        }
        return compare("events", expected, actual);
    }

    /** Rows of every String column in the databases that contain an @example.com address. */
    public List<String> rawEmailsInClickHouse(List<String> databases) {
        List<String> found = new ArrayList<>();
        for (String db : databases) {
            for (List<String> c :
                    ch.query(
                            "SELECT table, name FROM system.columns WHERE database = '"
                                    + db
                                    + "' AND type IN ('String', 'Nullable(String)',"
                                    + " 'LowCardinality(String)')")) {
                String sql =
                        "SELECT count() FROM `"
                                + db
                                + "`.`"
                                + c.get(0)
                                + "` WHERE `"
                                + c.get(1)
                                + "` LIKE '%@example.com%'";
                String n = ch.queryValue(sql);
                if (!"0".equals(n)) {
                    found.add(db + "." + c.get(0) + "." + c.get(1) + ": " + n + " rows");
                }
            }
        }
        return found;
    }

    /** JSON with every object's keys sorted, so equal objects print equal. */
    private static String canonical(String json) throws Exception {
        return JSON.writeValueAsString(JSON.readValue(json, Object.class));
    }

    /** pii.property-keys [email]: a key spelled email in any case, at any depth, is hashed. */
    private void hashEmailKeys(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (String key : iterable(object.fieldNames())) {
                JsonNode v = object.get(key);
                if (key.equalsIgnoreCase("email")) {
                    if (!v.isNull()) {
                        object.put(key, hmac(v.isTextual() ? v.textValue() : v.toString()));
                    }
                } else {
                    hashEmailKeys(v);
                }
            }
        } else if (node.isArray()) {
            node.forEach(this::hashEmailKeys);
        }
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> out = new ArrayList<>();
        names.forEachRemaining(out::add);
        return out;
    }

    private String hmac(String value) {
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private Set<String> pgSet(String sql) throws SQLException {
        Set<String> out = new HashSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private Set<String> chSet(String sql) {
        Set<String> out = new HashSet<>();
        for (List<String> r : ch.query(sql)) {
            out.add(TsvCodec.unescape(r.get(0)));
        }
        return out;
    }

    /**
     * From now on compares only the rows of each table in {@code ranges} whose period (day, week,
     * session start or alert point, epoch seconds) lies in its {@code [lower, upper)}, and skips
     * the user-scoped tables not in it (a key may name one comparison, as {@code "alerts
     * error_rate"}); {@code counted} becomes every usable event (a backfill's replay has no late
     * events).
     */
    EventOracle onlyRowsIn(Map<String, long[]> ranges) throws SQLException {
        this.ranges = ranges;
        try (Statement st = pg.createStatement()) {
            st.execute("CREATE OR REPLACE TEMP VIEW counted AS SELECT * FROM usable");
        }
        return this;
    }

    private List<String> compare(String table, Set<String> expected, Set<String> actual) {
        if (ranges == null) {
            return compareSets(table, expected, actual);
        }
        String base = table.split(" ")[0];
        long[] b = ranges.getOrDefault(table, ranges.get(base));
        if (b == null) {
            return List.of();
        }
        return compareSets(
                table + " rows in range", inRange(table, expected, b), inRange(table, actual, b));
    }

    /** The rows of {@code table} (as the comparisons print them) whose period is in {@code b}. */
    private static Set<String> inRange(String table, Set<String> rows, long[] b) {
        Set<String> out = new HashSet<>();
        for (String row : rows) {
            String[] f = row.split("\\|");
            long t =
                    switch (table.split(" ")[0]) {
                        case "sessions" -> Long.parseLong(f[1]) / 1_000_000;
                        case "errors_1m", "errors_1h", "latency_1m", "latency_1h" ->
                                Long.parseLong(f[0]);
                        case "sessions_daily" -> day(f[1]);
                        case "alerts" -> Long.parseLong(f[1]);
                        case "funnel_daily" -> day(table.endsWith("windowFunnel") ? f[0] : f[1]);
                        case "retention_weekly" -> day(f[0]) + Long.parseLong(f[1]) * 7 * 86_400;
                        case "feature_adoption_weekly" ->
                                day(f[0]) + Long.parseLong(f[2]) * 7 * 86_400;
                        default -> day(f[0]);
                    };
            if (t >= b[0] && t < b[1]) {
                out.add(row);
            }
        }
        return out;
    }

    private static long day(String date) {
        return java.time.LocalDate.parse(date).toEpochDay() * 86_400;
    }

    /**
     * Every mirrored row, every column but the hashed e-mail and the masked event properties,
     * against Postgres: numerics as cents (through Float64: 18.16 multiplies no Decimal), times as
     * Unix seconds (ClickHouse 18.16 keeps seconds), NULL as a marker.
     */
    public static List<String> compareMirror(Connection pg, ClickHouseConnection mirror)
            throws Exception {
        List<String> d = new ArrayList<>();
        d.addAll(
                compareSets(
                        "mirror users",
                        SqlSets.pgSet(
                                pg,
                                "SELECT concat_ws('|', user_id, plan, coalesce(country, '-'),"
                                        + " floor(extract(epoch FROM created_at))::bigint, attributes::text)"
                                        + " FROM users"),
                        SqlSets.chSet(
                                mirror,
                                "SELECT concat(toString(user_id), '|', plan, '|', ifNull(country, '-'),"
                                        + " '|', toString(toUnixTimestamp(created_at)), '|', attributes)"
                                        + " FROM users FINAL WHERE _is_deleted = 0")));
        d.addAll(
                compareSets(
                        "mirror events",
                        SqlSets.pgSet(
                                pg,
                                "SELECT concat_ws('|', event_id, coalesce(user_id::text, '-'),"
                                        + " coalesce(floor(extract(epoch FROM occurred_at))::bigint::text,"
                                        + " '-'), event_name) FROM events"),
                        SqlSets.chSet(
                                mirror,
                                "SELECT concat(toString(event_id), '|', ifNull(toString(user_id), '-'),"
                                        + " '|', ifNull(toString(toUnixTimestamp(occurred_at)), '-'), '|',"
                                        + " event_name) FROM events FINAL WHERE _is_deleted = 0")));
        d.addAll(
                compareSets(
                        "mirror orders",
                        SqlSets.pgSet(
                                pg,
                                "SELECT concat_ws('|', order_id, user_id, floor(extract(epoch FROM"
                                        + " created_at))::bigint, status, (amount * 100)::bigint,"
                                        + " currency, array_to_string(items, ',', '-')) FROM orders"),
                        SqlSets.chSet(
                                mirror,
                                "SELECT concat(toString(order_id), '|', toString(user_id), '|',"
                                        + " toString(toUnixTimestamp(created_at)), '|', status, '|',"
                                        + " toString(toInt64(round(toFloat64(amount) * 100))), '|', currency, '|',"
                                        + " arrayStringConcat(arrayMap(x -> ifNull(x, '-'), items), ',')) FROM orders FINAL"
                                        + " WHERE _is_deleted = 0")));
        d.addAll(
                compareSets(
                        "mirror subscriptions",
                        SqlSets.pgSet(
                                pg,
                                "SELECT concat_ws('|', subscription_id, user_id, plan, (mrr * 100)::bigint,"
                                        + " started_at, coalesce(canceled_at::text, '-'))"
                                        + " FROM subscriptions"),
                        SqlSets.chSet(
                                mirror,
                                "SELECT concat(toString(subscription_id), '|', toString(user_id), '|',"
                                        + " plan, '|', toString(toInt64(round(toFloat64(mrr) * 100))), '|',"
                                        + " toString(started_at), '|', ifNull(toString(canceled_at), '-'))"
                                        + " FROM subscriptions FINAL WHERE _is_deleted = 0")));
        d.addAll(
                compareSets(
                        "mirror refunds",
                        SqlSets.pgSet(
                                pg,
                                "SELECT concat_ws('|', refund_id, order_id, (amount * 100)::bigint,"
                                        + " coalesce(reason, '-'), floor(extract(epoch FROM"
                                        + " refunded_at))::bigint) FROM refunds"),
                        SqlSets.chSet(
                                mirror,
                                "SELECT concat(toString(refund_id), '|', toString(order_id), '|',"
                                        + " toString(toInt64(round(toFloat64(amount) * 100))), '|', ifNull(reason, '-'), '|',"
                                        + " toString(toUnixTimestamp(refunded_at))) FROM refunds FINAL"
                                        + " WHERE _is_deleted = 0")));
        return d;
    }

    private static List<String> compareSets(
            String table, Set<String> expected, Set<String> actual) {
        Set<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        Set<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        List<String> out = new ArrayList<>();
        if (!missing.isEmpty() || !extra.isEmpty()) {
            out.add(
                    table
                            + ": "
                            + expected.size()
                            + " expected, "
                            + actual.size()
                            + " in ClickHouse; missing "
                            + missing.size()
                            + " e.g. "
                            + missing.stream().limit(5).toList()
                            + "; unexpected "
                            + extra.size()
                            + " e.g. "
                            + extra.stream().limit(5).toList());
        }
        return out;
    }
}
