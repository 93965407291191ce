package io.sluice.jobs.analytics;

import static io.sluice.jobs.SqlSets.chSet;
import static io.sluice.jobs.SqlSets.pgSet;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.PostgresSourceOptions.OnSlotLoss;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * The lifecycle a user puts a pipeline through, each phase ending with the mirror and every
 * analytics table equal to SQL over Postgres. The job runs as the launcher runs it ({@code
 * AnalyticsJob --config F [--fresh]} in its own JVM, on its own MiniCluster), and is killed with
 * SIGKILL, so nothing is flushed or cancelled on the way out:
 *
 * <ol>
 *   <li>first run: snapshot of the history, then streamed changes;
 *   <li>the process killed; while it is down, inserts, corrections, deletes; a plain restart must
 *       resume from the retained checkpoint and apply them (the reproduction: before, a
 *       restart was a fresh snapshot at version 0 that lost to the first run's rows, and deletes
 *       were never applied);
 *   <li>rollbacks: the second-newest retained checkpoint, restored with {@code --from}, which the
 *       slot can still serve (a replay that must end exact); then a checkpoint older than what the
 *       slot has confirmed since: refused with the fix, and with {@code postgres.on-slot-loss:
 *       resync} resynced;
 *   <li>killed again; deletes while down; {@code --fresh} into the populated tables: the resync
 *       must retire what no longer exists;
 *   <li>{@value #KILLS} SIGKILLs at random moments, each followed by a plain restart: the first
 *       ones in the snapshot of another {@code --fresh} start, the rest while starting, restoring
 *       or streaming, with changes before every kill (it prints how many landed where);
 *   <li>killed; the replication slot dropped while down: a plain restart must refuse with the fix
 *       (resuming would skip the WAL in between); with {@code postgres.on-slot-loss: resync} it
 *       resyncs and ends exact;
 *   <li>ClickHouse frozen (SIGSTOP) for 60 s while changes stream;
 *   <li>Postgres restarted while changes stream.
 * </ol>
 */
class LifecycleIT {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleIT.class);
    private static final String PII_KEY = AnalyticsJobIT.PII_KEY;
    private static final int KILLS = 20;

    @Test
    void exactAfterEveryLifecycleEvent(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("lifecycle");
        String chDb = servers.clickhouse().newDatabase("mirror");
        String anDb = servers.clickhouse().newDatabase("analytics");
        Map<String, Object> settings = AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
        Path config = writeConfig(tmp.resolve("sluice.yaml"), settings);
        List<String> phases = new ArrayList<>();
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                ClickHouseConnection ch = JobTestSupport.clickHouse(servers, anDb);
                ClickHouseConnection mirror =
                        new ClickHouseConnection(
                                servers.clickhouse().url(),
                                servers.clickhouse().user(),
                                servers.clickhouse().password(),
                                chDb)) {
            EventWorkload workload =
                    new EventWorkload(pg, 7, Instant.now().truncatedTo(ChronoUnit.MINUTES));
            workload.createTables();
            workload.writeHistory(20_000);
            EventOracle oracle = new EventOracle(pg, ch, PII_KEY);

            // 1. First run: no checkpoint, so it starts fresh.
            JobProcess job = JobProcess.start(config, tmp, "run1");
            recentChanges(pg, 400, 40, 20);
            awaitExact("first run", job, oracle, pg, mirror);
            assertThat(job.log()).contains("starting fresh");
            phases.add("first run (snapshot + stream): exact");

            // 2. Killed; changes while down; a plain restart resumes and applies them.
            awaitRetainedCheckpoint(tmp);
            recentChanges(pg, 200, 30, 10); // in flight when the kill comes
            job.kill();
            recentChanges(pg, 300, 50, 30);
            try (Statement st = pg.createStatement()) {
                st.execute("UPDATE users SET plan = 'changed-while-down' WHERE user_id <= 20");
                st.execute("DELETE FROM users WHERE user_id IN (21, 22)");
            }
            job = JobProcess.start(config, tmp, "run2");
            awaitExact("plain restart", job, oracle, pg, mirror);
            assertThat(job.log()).contains("resuming from");
            phases.add("kill -9, changes while down, plain restart (resume): exact");

            // Rollback the slot can serve: the second-newest retained checkpoint. Flink CDC
            // confirms a checkpoint's position to the slot three checkpoints later, so the slot
            // still holds what came after it; restored with --from, the job replays it and ends
            // exact (its rows are written again at the same versions).
            recentChanges(pg, 200, 20, 20);
            awaitExact("before the rollback", job, oracle, pg, mirror);
            awaitRetainedCheckpoints(tmp, 2);
            job.kill();
            // Chosen once the job is gone: a checkpoint completing between the choice and the
            // kill would move the slot's confirmed position on past the chosen one.
            Path secondNewest = retainedCheckpoints(tmp).get(1);
            recentChanges(pg, 100, 10, 10);
            job = JobProcess.start(config, tmp, "run2a", "--from", secondNewest.toUri().toString());
            awaitExact("rollback within the slot", job, oracle, pg, mirror);
            assertThat(job.log()).contains("resuming from").contains(secondNewest.toString());
            phases.add("rollback to an older checkpoint the slot still serves: exact");

            // Rollback past the slot: a checkpoint older than what the slot has confirmed since.
            // Postgres cannot stream what lies between again: refused with the fix, then, with
            // postgres.on-slot-loss: resync, a resync that ends exact.
            awaitRetainedCheckpoints(tmp, 1);
            Path older = retainedCheckpoints(tmp).get(0);
            Path backup = tmp.resolve("older-checkpoint");
            copyTree(older, backup); // a retained checkpoint is deleted once 3 newer exist
            String walAfterOlder = currentWal(pg);
            recentChanges(pg, 200, 20, 20);
            awaitExact("changes after the older checkpoint", job, oracle, pg, mirror);
            awaitSlotConfirmedPast(
                    pg, (String) settings.get(PostgresSourceOptions.SLOT.key()), walAfterOlder);
            job.kill();
            if (!Files.exists(older.resolve("_metadata"))) {
                copyTree(backup, older); // its metadata names its files by absolute path
            }
            job = JobProcess.start(config, tmp, "run2b", "--from", older.toUri().toString());
            assertThat(job.awaitExit(Duration.ofMinutes(2)))
                    .as("a restore older than the slot must stop")
                    .isNotZero();
            assertThat(job.log()).contains("older than what the replication slot");
            settings.put(PostgresSourceOptions.ON_SLOT_LOSS.key(), OnSlotLoss.RESYNC);
            writeConfig(config, settings);
            recentChanges(pg, 100, 10, 10); // only the resync's snapshot can bring these
            job = JobProcess.start(config, tmp, "run2c", "--from", older.toUri().toString());
            job.awaitLog("resyncing instead");
            awaitExact("rollback past the slot, resynced", job, oracle, pg, mirror);
            settings.put(PostgresSourceOptions.ON_SLOT_LOSS.key(), OnSlotLoss.FAIL);
            writeConfig(config, settings);
            phases.add(
                    "rollback past the slot: refused with the fix, then with on-slot-loss: resync,"
                            + " a resync: exact");

            // 3. Killed; deletes while down; --fresh into populated tables.
            awaitRetainedCheckpoint(tmp);
            job.kill();
            recentChanges(pg, 100, 40, 60);
            try (Statement st = pg.createStatement()) {
                st.execute("DELETE FROM users WHERE user_id IN (23, 24)");
            }
            job = JobProcess.start(config, tmp, "run3", "--fresh");
            awaitExact("--fresh", job, oracle, pg, mirror);
            assertThat(job.log()).contains("starting fresh (--fresh)");
            phases.add("--fresh into populated tables (resync): exact");

            // SIGKILLs at random moments, each followed by a plain restart: the first ones in the
            // snapshot of another --fresh start (a kill before its first checkpoint resyncs again,
            // a later one resumes inside the snapshot), the rest while starting, restoring or
            // streaming, with inserts, corrections and deletes before every kill.
            job.kill();
            job = JobProcess.start(config, tmp, "storm-0", "--fresh");
            long seed = System.nanoTime();
            LOG.info("kill storm seed {}", seed);
            java.util.Random random = new java.util.Random(seed);
            Map<String, Integer> killedWhile = new LinkedHashMap<>();
            for (int k = 1; k <= KILLS; k++) {
                if (k <= 3) { // in the snapshot
                    job.waitForLog("Assign split SnapshotSplit", Duration.ofSeconds(90));
                    Thread.sleep(random.nextInt(600));
                } else if (k % 4 == 0) { // while the job starts or restores
                    job.waitForLog("Sluice analytics job:", Duration.ofSeconds(90));
                    Thread.sleep(random.nextInt(8_000));
                } else { // while streaming
                    job.waitForLog("Stream split offset on checkpoint", Duration.ofSeconds(90));
                    Thread.sleep(random.nextInt(4_000));
                }
                recentChanges(pg, 40, 5, 5);
                killedWhile.merge(job.stage(), 1, Integer::sum);
                job.kill();
                job = JobProcess.start(config, tmp, "storm-" + k);
            }
            awaitExact(KILLS + " kills", job, oracle, pg, mirror);
            LOG.info("kills by stage (seed {}): {}", seed, killedWhile);
            assertThat(killedWhile)
                    .as("kills in the snapshot and while streaming")
                    .containsKeys("in the snapshot", "streaming");
            phases.add(KILLS + " SIGKILLs at random moments " + killedWhile + ": exact");

            // 4. Killed; the slot dropped while down.
            awaitRetainedCheckpoint(tmp);
            job.kill();
            dropSlot(pg, (String) settings.get(PostgresSourceOptions.SLOT.key()));
            recentChanges(pg, 100, 20, 20);
            job = JobProcess.start(config, tmp, "run4");
            assertThat(job.awaitExit(Duration.ofMinutes(2)))
                    .as("a resumed run without its slot must stop")
                    .isNotZero();
            assertThat(job.log()).contains("no longer exists").contains("--fresh");
            settings.put(PostgresSourceOptions.ON_SLOT_LOSS.key(), OnSlotLoss.RESYNC);
            writeConfig(config, settings);
            job = JobProcess.start(config, tmp, "run5");
            awaitExact("slot lost, on-slot-loss: resync", job, oracle, pg, mirror);
            assertThat(job.log()).contains("replication slot").contains("lost");
            phases.add("slot dropped while down: refused with the fix, then resync: exact");

            // ClickHouse unreachable (frozen) for 60 s while changes stream.
            recentChanges(pg, 200, 20, 20);
            Thread.sleep(1_000); // let the job be busy writing when it freezes
            servers.clickhouse().pause(Duration.ofSeconds(60));
            recentChanges(pg, 200, 20, 20);
            awaitExact("ClickHouse paused for 60 s", job, oracle, pg, mirror);
            phases.add("ClickHouse paused for 60 s while streaming: exact");

            // Postgres restarted mid-stream: the replication connection and the job's sessions
            // end; the job restarts from its checkpoint and reconnects.
            recentChanges(pg, 200, 20, 20);
            servers.postgres().restart();
            try (Connection pg2 =
                    DriverManager.getConnection(
                            servers.postgres().jdbcUrl(pgDb),
                            servers.postgres().user(),
                            servers.postgres().password())) {
                recentChanges(pg2, 200, 20, 20);
                awaitExact(
                        "Postgres restarted", job, new EventOracle(pg2, ch, PII_KEY), pg2, mirror);
            }
            phases.add("Postgres restarted while streaming: exact");

            // Still one slot for this database (other tests' databases share the server).
            try (Connection pg3 =
                            DriverManager.getConnection(
                                    servers.postgres().jdbcUrl(pgDb),
                                    servers.postgres().user(),
                                    servers.postgres().password());
                    Statement st = pg3.createStatement();
                    ResultSet rs =
                            st.executeQuery(
                                    "SELECT count(*) FROM pg_replication_slots"
                                            + " WHERE database = current_database()")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
            job.kill();
        } finally {
            JobProcess.killAll();
            LOG.info("Lifecycle phases:\n  {}", String.join("\n  ", phases));
            System.out.println("Lifecycle phases passed (" + phases.size() + "/9):");
            phases.forEach(p -> System.out.println("  " + p));
        }
    }

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

    private static void awaitExact(
            String phase,
            JobProcess job,
            EventOracle oracle,
            Connection pg,
            ClickHouseConnection mirror)
            throws Exception {
        List<String> differences = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        do {
            Thread.sleep(2_000); // polling until the job has caught up, with a deadline
            if (!job.process.isAlive()) {
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
        assertThat(differences).as("after " + phase).isEmpty();
        LOG.info("{}: mirror and analytics equal SQL over Postgres", phase);
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

    private static void compareSets(List<String> d, String what, Set<String> pg, Set<String> ch) {
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
    private static void awaitRetainedCheckpoint(Path tmp) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        Path root = tmp.resolve("checkpoints");
        while (System.nanoTime() < deadline) {
            if (Files.exists(root)) {
                try (var files = Files.walk(root)) {
                    if (files.anyMatch(
                            p ->
                                    p.getFileName().toString().equals("_metadata")
                                            && !p.toString().contains(".replaced-"))) {
                        Thread.sleep(1_500);
                        return;
                    }
                }
            }
            Thread.sleep(200); // polling the checkpoint directory, with a deadline
        }
        throw new AssertionError("no checkpoint retained under " + root + " within a minute");
    }

    /** The completed checkpoints of the current lineage, newest first. */
    private static List<Path> retainedCheckpoints(Path tmp) throws Exception {
        try (var files = Files.walk(tmp.resolve("checkpoints"))) {
            return files.filter(
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
    }

    /** Waits until the current lineage has retained at least {@code count} checkpoints. */
    private static void awaitRetainedCheckpoints(Path tmp, int count) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (retainedCheckpoints(tmp).size() < count) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + count + " checkpoints within a minute");
            }
            Thread.sleep(200); // polling the checkpoint directory, with a deadline
        }
    }

    private static String currentWal(Connection pg) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Waits until the slot has confirmed a position after {@code lsn}. */
    private static void awaitSlotConfirmedPast(Connection pg, String slot, String lsn)
            throws Exception {
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

    private static void copyTree(Path from, Path to) throws Exception {
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

    /** {@code AnalyticsJob} in its own JVM, as {@code ./sluice run} starts it. */
    static final class JobProcess {
        private static final List<Process> ALL = new ArrayList<>();
        private final Process process;
        private final Path log;

        private JobProcess(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        static JobProcess start(Path config, Path tmp, String name, String... args)
                throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xmx1g");
            cmd.add(
                    "-Dlog4j2.configurationFile="
                            + LifecycleIT.class.getResource("/lifecycle-log4j2.properties"));
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add("io.sluice.jobs.analytics.AnalyticsJob");
            cmd.add("--config");
            cmd.add(config.toString());
            cmd.addAll(List.of(args));
            Path log = tmp.resolve(name + ".log");
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("SLUICE_PII_KEY", PII_KEY);
            Process p = pb.start();
            synchronized (ALL) {
                ALL.add(p);
            }
            LOG.info("started {} (pid {}), log {}", name, p.pid(), log);
            return new JobProcess(p, log);
        }

        /** Whether the job's log contains {@code text} within {@code timeout}. */
        boolean waitForLog(String text, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!log().contains(text)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(100); // polling the log, with a deadline
            }
            return true;
        }

        /** Where the job is, judged from Flink CDC's log lines. */
        String stage() throws Exception {
            String log = log();
            if (log.contains("Assign split StreamSplit")
                    || log.contains("Stream split offset on checkpoint")) {
                return "streaming";
            }
            if (log.contains("Assign split SnapshotSplit")) {
                return "in the snapshot";
            }
            return "starting or restoring";
        }

        /** Waits until the job's log contains {@code text}. */
        void awaitLog(String text) throws Exception {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!log().contains(text)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("the job never logged '" + text + "':\n" + tail());
                }
                Thread.sleep(200); // polling the log, with a deadline
            }
        }

        String log() throws Exception {
            return Files.readString(log);
        }

        String tail() throws Exception {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        }

        int awaitExit(Duration timeout) throws Exception {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the job did not exit within " + timeout + ":\n" + log());
            }
            return process.exitValue();
        }

        /** SIGKILL: nothing is flushed, cancelled or closed on the way out. */
        void kill() throws Exception {
            process.destroyForcibly();
            process.waitFor();
        }

        static void killAll() {
            synchronized (ALL) {
                for (Process p : ALL) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
