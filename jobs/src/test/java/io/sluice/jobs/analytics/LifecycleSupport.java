package io.sluice.jobs.analytics;

import static io.sluice.jobs.SqlSets.chSet;
import static io.sluice.jobs.SqlSets.pgSet;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * What the lifecycle tests ({@link LifecycleIT}, {@link LifecycleVersionsIT}) do to the source, the
 * slot and the checkpoint directory, and how they compare the mirror with Postgres.
 */
final class LifecycleSupport {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleSupport.class);

    private LifecycleSupport() {}

    /**
     * Drops the slot as an operator would after a failover: its walsender may outlive the killed
     * job until Postgres notices the connection is gone, so it is ended first.
     */
    static void dropSlot(Connection pg, String slot) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Statement st = pg.createStatement()) {
                st.execute(
                        "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                                + " WHERE slot_name = '"
                                + slot
                                + "' AND active_pid IS NOT NULL");
                st.execute("SELECT pg_drop_replication_slot('" + slot + "')");
                return;
            } catch (java.sql.SQLException stillActive) {
                if (System.nanoTime() > deadline) {
                    throw stillActive;
                }
                Thread.sleep(200); // the walsender is ending
            }
        }
    }

    /** Inserts recent events (on time), corrects some and deletes some of the recent ones. */
    static void recentChanges(Connection pg, int inserts, int corrections, int deletes)
            throws Exception {
        try (Statement st = pg.createStatement()) {
            st.execute(
                    "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                            + " SELECT gen_random_uuid(), 30 + (g % 40),"
                            + " now() - (g % 1200) * interval '1 second', 'lifecycle_' || (g % 5),"
                            + " '{\"plan\": \"pro\"}'::jsonb FROM generate_series(1, "
                            + inserts
                            + ") g");
            st.execute(
                    "UPDATE events SET event_name = event_name || '_fixed' WHERE event_id IN"
                            + " (SELECT event_id FROM events WHERE event_name LIKE 'lifecycle_%'"
                            + " AND occurred_at > now() - interval '25 minutes'"
                            + " ORDER BY event_id LIMIT "
                            + corrections
                            + ")");
            st.execute(
                    "DELETE FROM events WHERE event_id IN (SELECT event_id FROM events WHERE"
                            + " event_name LIKE 'lifecycle_%' AND occurred_at > now() - interval"
                            + " '25 minutes' ORDER BY md5(event_id::text) LIMIT "
                            + deletes
                            + ")");
        }
    }

    /** Polls until the mirror and every analytics table equal SQL over Postgres (4 min at most). */
    static void awaitExact(
            String phase,
            JobProcess job,
            EventOracle oracle,
            Connection pg,
            ClickHouseConnection mirror)
            throws Exception {
        List<String> differences = new ArrayList<>();
        // The event clock runs on streamed events only, and a phase may end with nothing streamed
        // after a fresh start's snapshot (its own changes were read by the snapshot): once the
        // job streams, one more event moves the clock, and the alerts up to it are evaluated.
        job.awaitLog("Stream split offset on checkpoint");
        oracle.tickEventClock();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        do {
            Thread.sleep(2_000); // polling until the job has caught up, with a deadline
            if (!job.isAlive()) {
                throw new AssertionError(phase + ": the job exited:\n" + job.tail());
            }
            differences.clear();
            try {
                differences.addAll(oracle.compareAll());
                differences.addAll(compareMirror(pg, mirror));
            } catch (RuntimeException notYet) {
                differences.add(String.valueOf(notYet.getMessage())); // tables not created yet
            }
        } while (!differences.isEmpty() && System.nanoTime() < deadline);
        if (!differences.isEmpty()) {
            differences.addAll(oracle.lateEventDetails());
        }
        assertThat(differences).as("after " + phase).isEmpty();
        LOG.info("{}: mirror and analytics equal SQL over Postgres", phase);
    }

    /** The replication slots of the connection's database. */
    static long slotsOfDatabase(Connection pg) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT count(*) FROM pg_replication_slots"
                                        + " WHERE database = current_database()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** The mirrored users and events: live keys and a column each, against Postgres. */
    static List<String> compareMirror(Connection pg, ClickHouseConnection mirror) throws Exception {
        List<String> d = new ArrayList<>();
        compareSets(
                d,
                "mirror users",
                pgSet(pg, "SELECT user_id || ' ' || plan FROM users"),
                chSet(
                        mirror,
                        "SELECT concat(toString(user_id), ' ', plan) FROM users FINAL WHERE _is_deleted = 0"));
        compareSets(
                d,
                "mirror events",
                pgSet(pg, "SELECT event_id || ' ' || event_name FROM events"),
                chSet(
                        mirror,
                        "SELECT concat(toString(event_id), ' ', event_name) FROM events FINAL WHERE _is_deleted = 0"));
        return d;
    }

    /** Adds a line to {@code d} when the two sets differ: how many missing and extra, and some. */
    static void compareSets(List<String> d, String what, Set<String> pg, Set<String> ch) {
        if (!pg.equals(ch)) {
            Set<String> missing = new HashSet<>(pg);
            missing.removeAll(ch);
            Set<String> extra = new HashSet<>(ch);
            extra.removeAll(pg);
            d.add(
                    what
                            + ": "
                            + missing.size()
                            + " missing (e.g. "
                            + missing.stream().limit(3).toList()
                            + "), "
                            + extra.size()
                            + " extra (e.g. "
                            + extra.stream().limit(3).toList()
                            + ")");
        }
    }

    /** Waits until a completed checkpoint is on disk, and one more interval for good measure. */
    static void awaitRetainedCheckpoint(Path tmp) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Path root = tmp.resolve("checkpoints");
        while (System.nanoTime() < deadline) {
            if (Files.exists(root)
                    && listWhileWritten(root).stream()
                            .anyMatch(
                                    p ->
                                            p.getFileName().toString().equals("_metadata")
                                                    && !p.toString().contains(".replaced-"))) {
                Thread.sleep(1_500);
                return;
            }
            Thread.sleep(200); // polling the checkpoint directory, with a deadline
        }
        throw new AssertionError("no checkpoint retained under " + root + " within a minute");
    }

    /** The completed checkpoints of the current lineage, newest first. */
    static List<Path> retainedCheckpoints(Path tmp) throws Exception {
        return listWhileWritten(tmp.resolve("checkpoints")).stream()
                .filter(
                        p ->
                                p.getFileName().toString().equals("_metadata")
                                        && !p.toString().contains(".replaced-"))
                .map(Path::getParent)
                .sorted(
                        java.util.Comparator.comparingLong(
                                        (Path p) ->
                                                Long.parseLong(
                                                        p.getFileName()
                                                                .toString()
                                                                .substring("chk-".length())))
                                .reversed())
                .toList();
    }

    /**
     * Every path under {@code root}, listed while the running job writes it: Flink renames and
     * deletes in-progress metadata and subsumed checkpoints, so a file can vanish between the
     * directory read and its attributes. Such a listing is taken again, a few times at most.
     */
    static List<Path> listWhileWritten(Path root) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try (var files = Files.walk(root)) {
                return files.toList();
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                if (attempt == 10) {
                    throw e;
                }
                Thread.sleep(50); // the writer moves on; list again
            }
        }
    }

    /** Waits until the current lineage has retained at least {@code count} checkpoints. */
    static void awaitRetainedCheckpoints(Path tmp, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (retainedCheckpoints(tmp).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + count + " checkpoints within a minute");
            }
            Thread.sleep(200); // polling the checkpoint directory, with a deadline
        }
    }

    static String currentWal(Connection pg) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Waits until the slot has confirmed a position after {@code lsn}. */
    static void awaitSlotConfirmedPast(Connection pg, String slot, String lsn) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (true) {
            try (Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT coalesce(confirmed_flush_lsn > '"
                                            + lsn
                                            + "'::pg_lsn, false) FROM pg_replication_slots"
                                            + " WHERE slot_name = '"
                                            + slot
                                            + "'")) {
                if (rs.next() && rs.getBoolean(1)) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("slot " + slot + " not confirmed past " + lsn);
            }
            Thread.sleep(500); // checkpoints confirm the slot, with a deadline
        }
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static Path writeConfig(Path file, Map<String, Object> settings) throws Exception {
        Map<String, Object> nested = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : settings.entrySet()) {
            int dot = e.getKey().indexOf('.');
            @SuppressWarnings("unchecked")
            Map<String, Object> section =
                    (Map<String, Object>)
                            nested.computeIfAbsent(
                                    e.getKey().substring(0, dot), k -> new LinkedHashMap<>());
            // A duration is written as users write it ("500 ms"), not as a YAML Java tag.
            Object value =
                    e.getValue() instanceof java.time.Duration d
                            ? d.toMillis() + " ms"
                            : e.getValue() instanceof Enum<?> en
                                    ? en.name().toLowerCase()
                                    : e.getValue();
            section.put(e.getKey().substring(dot + 1), value);
        }
        Files.writeString(file, new Yaml().dump(nested));
        return file;
    }
}
