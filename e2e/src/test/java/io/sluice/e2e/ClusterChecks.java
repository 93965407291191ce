package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.AnalyticsTestSettings;
import io.sluice.testkit.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the end-to-end tests on the standalone cluster share: submitting, waiting, the oracle. */
final class ClusterChecks {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterChecks.class);

    private ClusterChecks() {}

    /**
     * Waits until the job's source streams (its slot is in use): a stop before the stream split
     * reached a reader can fail (see docs/known-limitations.md).
     */
    static void awaitSlotActive(
            Connection pg,
            String slot,
            Duration timeout,
            java.util.concurrent.Callable<String> diagnostics)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count(
                        pg,
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                                + slot
                                + "' AND active")
                == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "slot "
                                + slot
                                + " not in use within "
                                + timeout
                                + "; the job: "
                                + diagnostics.call());
            }
            Thread.sleep(200); // polling the slot, with a deadline
        }
    }

    static String submit(Launcher sluice, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "flink";
        System.arraycopy(args, 0, all, 1, args.length);
        String out = sluice.run(all);
        String job = Launcher.find(out, "Job has been submitted with JobID ([0-9a-f]{32})");
        LOG.info("submitted {}: {}", job, Arrays.toString(args));
        return job;
    }

    /**
     * {@code flink run -d} of the analytics job in {@code jar} with {@code config}, from {@code
     * savepoint} unless it is null; returns the job id.
     */
    static String submitAnalytics(Launcher sluice, Path jar, Path config, String savepoint)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d"));
        if (savepoint != null) {
            args.addAll(List.of("-s", savepoint));
        }
        args.addAll(
                List.of(
                        "-c",
                        "io.sluice.jobs.analytics.AnalyticsJob",
                        jar.toString(),
                        "--config",
                        config.toString()));
        return submit(sluice, args.toArray(String[]::new));
    }

    /** Waits until ClickHouse holds as many events as Postgres. */
    static void awaitEvents(TestServers servers, String anDb, Connection pg, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String expected = Long.toString(count(pg, "SELECT count(*) FROM events"));
        String actual;
        do {
            Thread.sleep(1_000); // polling ClickHouse, with a deadline
            actual =
                    servers.clickhouse()
                            .query(
                                    "SELECT count() FROM "
                                            + anDb
                                            + ".events FINAL WHERE _is_deleted = 0")
                            .trim();
        } while (!actual.equals(expected) && System.nanoTime() < deadline);
        assertThat(actual).as("events in ClickHouse").isEqualTo(expected);
    }

    static List<String> compare(
            TestServers servers, String anDb, Connection pg, Instant upgradeHour) throws Exception {
        long h = upgradeHour.getEpochSecond();
        List<String> d = new ArrayList<>();
        d.addAll(
                diff(
                        "events",
                        pgSet(pg, "SELECT event_id::text FROM events"),
                        chSet(
                                servers,
                                "SELECT event_id FROM "
                                        + anDb
                                        + ".events FINAL WHERE _is_deleted = 0")));
        d.addAll(
                diff(
                        "events_per_minute",
                        pgSet(
                                pg,
                                "SELECT (floor(extract(epoch FROM occurred_at) / 60) * 60)::bigint"
                                        + " || '|' || event_name || '|' || count(*) FROM events"
                                        + " GROUP BY floor(extract(epoch FROM occurred_at) / 60), event_name"),
                        chSet(
                                servers,
                                "SELECT concat(toString(toUnixTimestamp(minute)), '|', event_name,"
                                        + " '|', toString(events)) FROM "
                                        + anDb
                                        + ".events_per_minute FINAL WHERE events != 0")));
        d.addAll(
                diff(
                        "events_per_hour (from the upgrade on)",
                        pgSet(
                                pg,
                                "SELECT (floor(extract(epoch FROM occurred_at) / 3600) * 3600)::bigint"
                                        + " || '|' || event_name || '|' || count(*) FROM events"
                                        + " WHERE occurred_at >= to_timestamp("
                                        + h
                                        + ") GROUP BY floor(extract(epoch FROM occurred_at) / 3600),"
                                        + " event_name"),
                        chSet(
                                servers,
                                "SELECT concat(toString(toUnixTimestamp(hour)), '|', event_name,"
                                        + " '|', toString(events)) FROM "
                                        + anDb
                                        + ".events_per_hour FINAL")));
        d.addAll(
                diff(
                        "sessions",
                        pgSet(
                                pg,
                                "WITH o AS (SELECT user_id, occurred_at, event_id, lag(occurred_at)"
                                        + " OVER (PARTITION BY user_id ORDER BY occurred_at, event_id) AS prev"
                                        + " FROM events),"
                                        + " s AS (SELECT *, sum(CASE WHEN prev IS NULL OR occurred_at - prev"
                                        + " > interval '30 minutes' THEN 1 ELSE 0 END) OVER (PARTITION BY"
                                        + " user_id ORDER BY occurred_at, event_id) AS sid FROM o)"
                                        + " SELECT user_id || '|' || (extract(epoch FROM min(occurred_at))"
                                        + " * 1000000)::bigint || '|' || (extract(epoch FROM max(occurred_at))"
                                        + " * 1000000)::bigint || '|' || count(*) FROM s GROUP BY user_id, sid"),
                        chSet(
                                servers,
                                "SELECT concat(user_id, '|', toString(started_at_us), '|',"
                                        + " toString(ended_at_us), '|', toString(events)) FROM "
                                        + anDb
                                        + ".sessions FINAL WHERE _is_deleted = 0")));
        return d;
    }

    static List<String> diff(String table, TreeSet<String> expected, TreeSet<String> actual) {
        List<String> d = new ArrayList<>();
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(actual);
        TreeSet<String> extra = new TreeSet<>(actual);
        extra.removeAll(expected);
        if (!missing.isEmpty() || !extra.isEmpty()) {
            d.add(
                    table
                            + ": "
                            + missing.size()
                            + " missing (e.g. "
                            + missing.stream().limit(3).toList()
                            + "), "
                            + extra.size()
                            + " unexpected (e.g. "
                            + extra.stream().limit(3).toList()
                            + ")");
        }
        return d;
    }

    static TreeSet<String> pgSet(Connection pg, String sql) throws Exception {
        TreeSet<String> rows = new TreeSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    static TreeSet<String> chSet(TestServers servers, String sql) {
        TreeSet<String> rows = new TreeSet<>();
        for (String line : servers.clickhouse().query(sql).split("\n")) {
            if (!line.isEmpty()) {
                rows.add(line);
            }
        }
        return rows;
    }

    static long count(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static String get(int port, String path) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + path))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    /** The analytics job's configuration for the users and events tables, at parallelism 1. */
    static String config(TestServers servers, String pgDb, String chDb, String anDb, Path tmp) {
        return config(
                        servers,
                        pgDb,
                        chDb,
                        anDb,
                        tmp,
                        "sluice_e2e",
                        1,
                        "public.users, public.events")
                + "\n";
    }

    /**
     * The configuration the jobs' integration tests run the analytics job with ({@code
     * AnalyticsJobIT.settings}), as a file: the users, events, orders, refunds and subscriptions
     * tables, promoted properties, funnels, retention, features, alerts and PII hashing, so that
     * {@link io.sluice.jobs.analytics.EventOracle} can check every table; its own slot and
     * publication, at a parallelism.
     */
    static String analyticsConfig(
            TestServers servers,
            String pgDb,
            String chDb,
            String anDb,
            Path tmp,
            String slot,
            int parallelism) {
        return String.join(
                "\n",
                config(
                        servers,
                        pgDb,
                        chDb,
                        anDb,
                        tmp,
                        slot,
                        parallelism,
                        "public.users, public.events, public.orders, public.refunds,"
                                + " public.subscriptions"),
                "  promoted-properties: " + yamlList(AnalyticsTestSettings.PROMOTED_PROPERTIES),
                "  out-of-orderness: 5 min",
                "  repair-horizon: 1 d",
                "  max-future-skew: 10 min",
                "  funnels: " + yamlList(AnalyticsTestSettings.FUNNELS),
                "  retention:",
                "    return-event: " + AnalyticsTestSettings.RETURN_EVENT,
                "  features: " + yamlList(AnalyticsTestSettings.FEATURES),
                "  alerts:",
                "    error-rate:",
                "      min-requests: " + AnalyticsTestSettings.ALERT_MIN_REQUESTS,
                "pii:",
                "  columns: [public.users.email]",
                "  property-keys: [email]",
                "  detect-emails: true",
                "");
    }

    private static String yamlList(List<String> values) {
        return values.stream()
                .map(v -> "'" + v.replace("'", "''") + "'")
                .collect(java.util.stream.Collectors.joining(", ", "[", "]"));
    }

    /**
     * The analytics job's configuration with its own slot and publication, at a parallelism, for
     * {@code tables}; ends with the analytics section open.
     */
    private static String config(
            TestServers servers,
            String pgDb,
            String chDb,
            String anDb,
            Path tmp,
            String slot,
            int parallelism,
            String tables) {
        return String.join(
                "\n",
                "postgres:",
                "  host: " + servers.postgres().host(),
                "  port: " + servers.postgres().port(),
                "  database: " + pgDb,
                "  user: " + servers.postgres().user(),
                "  password: '" + servers.postgres().password() + "'",
                "  slot: " + slot,
                "  publication: " + slot,
                "  tables: [" + tables + "]",
                "clickhouse:",
                "  url: " + servers.clickhouse().url(),
                "  database: " + chDb,
                "  user: " + servers.clickhouse().user(),
                "  password: '" + servers.clickhouse().password() + "'",
                "sink:",
                "  flush-interval: 500 ms",
                "job:",
                "  parallelism: " + parallelism,
                "  checkpoint-interval: 1 s",
                "  checkpoint-dir: " + tmp.resolve("checkpoints").toUri(),
                "  state-backend: rocksdb",
                "archive:",
                "  path: " + tmp.resolve("archive").toUri(),
                "analytics:",
                "  database: " + anDb,
                "  events-table: public.events");
    }
}
