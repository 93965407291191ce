package io.sluice.jobs.analytics;

import static io.sluice.jobs.analytics.LifecycleSupport.awaitRetainedCheckpoint;
import static io.sluice.jobs.analytics.LifecycleSupport.awaitRetainedCheckpoints;
import static io.sluice.jobs.analytics.LifecycleSupport.recentChanges;
import static io.sluice.jobs.analytics.LifecycleSupport.retainedCheckpoints;
import static io.sluice.jobs.analytics.LifecycleSupport.writeConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.PostgresSourceOptions.OnSlotLoss;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pipeline taken through the lifecycle phases a user puts it through, for {@link LifecycleIT}
 * (every phase, Postgres 17) and {@link LifecycleVersionsIT} (the phases that depend on the
 * Postgres version, on 14 to 16). The job runs as the launcher runs it ({@link JobProcess}) and is
 * killed with SIGKILL. Each phase ends with the mirror and every analytics table equal to SQL over
 * Postgres ({@link EventOracle}, {@link LifecycleSupport#compareMirror}) and adds a line to {@link
 * #phases()}.
 */
final class LifecycleRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LifecycleRun.class);
    private static final String PII_KEY = AnalyticsTestSettings.PII_KEY;

    private final TestServers servers;
    private final Path tmp;
    private final String pgDb;
    private final Map<String, Object> settings;
    private final Path config;
    private final ClickHouseConnection ch;
    private final ClickHouseConnection mirror;
    private final List<String> phases = new ArrayList<>();
    private Connection pg; // reopened after a Postgres restart
    private EventOracle oracle;
    private JobProcess job;

    /** The source tables with {@code historyEvents} events of history, and the job's config. */
    LifecycleRun(TestServers servers, Path tmp, int historyEvents) throws Exception {
        this.servers = servers;
        this.tmp = tmp;
        this.pgDb = servers.postgres().newDatabase("lifecycle");
        String chDb = servers.clickhouse().newDatabase("mirror");
        String anDb = servers.clickhouse().newDatabase("analytics");
        this.settings = AnalyticsJobIT.settings(servers, pgDb, chDb, anDb, tmp);
        this.config = writeConfig(tmp.resolve("sluice.yaml"), settings);
        this.pg = JobTestSupport.postgres(servers, pgDb);
        this.ch = JobTestSupport.clickHouse(servers, anDb);
        this.mirror = JobTestSupport.clickHouse(servers, chDb);
        EventWorkload workload =
                new EventWorkload(pg, 7, Instant.now().truncatedTo(ChronoUnit.MINUTES));
        workload.createTables();
        workload.writeHistory(historyEvents);
        this.oracle = new EventOracle(pg, ch, PII_KEY);
    }

    /** The phases that passed, one line each. */
    List<String> phases() {
        return phases;
    }

    /** First run: no checkpoint, so it starts fresh (snapshot of the history, then streaming). */
    void firstRun() throws Exception {
        job = JobProcess.start(config, tmp, "run1");
        recentChanges(pg, 400, 40, 20);
        awaitExact("first run");
        assertThat(job.log()).contains("starting fresh");
        phases.add("first run (snapshot + stream): exact");
    }

    /**
     * Killed with changes in flight; changes while down; a plain restart resumes and applies them.
     */
    void killAndPlainRestart() throws Exception {
        awaitRetainedCheckpoint(tmp);
        recentChanges(pg, 200, 30, 10); // in flight when the kill comes
        job.kill();
        recentChanges(pg, 300, 50, 30);
        try (Statement st = pg.createStatement()) {
            st.execute("UPDATE users SET plan = 'changed-while-down' WHERE user_id <= 20");
            st.execute("DELETE FROM users WHERE user_id IN (21, 22)");
        }
        job = JobProcess.start(config, tmp, "run2");
        awaitExact("plain restart");
        assertThat(job.log()).contains("resuming from");
        phases.add("kill -9, changes while down, plain restart (resume): exact");
    }

    /**
     * Rollback the slot can serve: the second-newest retained checkpoint. Flink CDC confirms a
     * checkpoint's position to the slot three checkpoints later, so the slot still holds what came
     * after it; restored with --from, the job replays it and ends exact (its rows are written again
     * at the same versions).
     */
    void rollbackWithinSlot() throws Exception {
        recentChanges(pg, 200, 20, 20);
        awaitExact("before the rollback");
        awaitRetainedCheckpoints(tmp, 2);
        job.kill();
        // Chosen once the job is gone: a checkpoint completing between the choice and the kill
        // would move the slot's confirmed position on past the chosen one.
        Path secondNewest = retainedCheckpoints(tmp).get(1);
        recentChanges(pg, 100, 10, 10);
        job = JobProcess.start(config, tmp, "run2a", "--from", secondNewest.toUri().toString());
        awaitExact("rollback within the slot");
        assertThat(job.log()).contains("resuming from").contains(secondNewest.toString());
        phases.add("rollback to an older checkpoint the slot still serves: exact");
    }

    /**
     * Rollback past the slot: a checkpoint older than what the slot has confirmed since. Postgres
     * cannot stream what lies between again: refused with the fix, then, with {@code
     * postgres.on-slot-loss: resync}, a resync that ends exact.
     */
    void rollbackPastSlot() throws Exception {
        awaitRetainedCheckpoints(tmp, 1);
        Path older = retainedCheckpoints(tmp).get(0);
        Path backup = tmp.resolve("older-checkpoint");
        LifecycleSupport.copyTree(older, backup); // a retained one is deleted once 3 newer exist
        String walAfterOlder = LifecycleSupport.currentWal(pg);
        recentChanges(pg, 200, 20, 20);
        awaitExact("changes after the older checkpoint");
        LifecycleSupport.awaitSlotConfirmedPast(pg, slot(), walAfterOlder);
        job.kill();
        if (!Files.exists(older.resolve("_metadata"))) {
            LifecycleSupport.copyTree(backup, older); // its metadata names files by absolute path
        }
        job = JobProcess.start(config, tmp, "run2b", "--from", older.toUri().toString());
        assertThat(job.awaitExit(Duration.ofMinutes(2)))
                .as("a restore older than the slot must stop")
                .isNotZero();
        assertThat(job.log()).contains("older than what the replication slot");
        onSlotLoss(OnSlotLoss.RESYNC);
        recentChanges(pg, 100, 10, 10); // only the resync's snapshot can bring these
        job = JobProcess.start(config, tmp, "run2c", "--from", older.toUri().toString());
        job.awaitLog("resyncing instead");
        awaitExact("rollback past the slot, resynced");
        onSlotLoss(OnSlotLoss.FAIL);
        phases.add(
                "rollback past the slot: refused with the fix, then with on-slot-loss: resync,"
                        + " a resync: exact");
    }

    /** Killed; deletes while down; --fresh into the populated tables must retire them. */
    void freshIntoPopulatedTables() throws Exception {
        awaitRetainedCheckpoint(tmp);
        job.kill();
        recentChanges(pg, 100, 40, 60);
        freshStart("run3", List.of(23, 24));
        phases.add("--fresh into populated tables (resync): exact");
    }

    /**
     * Deletes users while the job is down, then {@code --fresh} into the populated tables: the
     * resync must retire them (and every event deleted meanwhile).
     */
    private void freshStart(String name, List<Integer> deletedUsers) throws Exception {
        try (Statement st = pg.createStatement()) {
            for (int user : deletedUsers) {
                st.execute("DELETE FROM users WHERE user_id = " + user);
            }
        }
        job = JobProcess.start(config, tmp, name, "--fresh");
        awaitExact("--fresh (" + name + ")");
        assertThat(job.log()).contains("starting fresh (--fresh)");
    }

    /**
     * {@code kills} SIGKILLs at random moments, each followed by a plain restart, with inserts,
     * corrections and deletes before every kill. {@code fromSnapshot}: the storm begins with
     * another {@code --fresh} start and its first three kills land in that snapshot (a kill before
     * its first checkpoint resyncs again, a later one resumes inside the snapshot), every fourth
     * while the job starts or restores, the rest while streaming; otherwise every kill lands while
     * streaming. It logs how many landed where.
     */
    void killStorm(int kills, boolean fromSnapshot) throws Exception {
        if (fromSnapshot) {
            job.kill();
            job = JobProcess.start(config, tmp, "storm-0", "--fresh");
        }
        long seed = System.nanoTime();
        LOG.info("kill storm seed {}", seed);
        Random random = new Random(seed);
        Map<String, Integer> killedWhile = new LinkedHashMap<>();
        for (int k = 1; k <= kills; k++) {
            if (fromSnapshot && k <= 3) { // in the snapshot
                job.waitForLog("Assign split SnapshotSplit", Duration.ofSeconds(90));
                Thread.sleep(random.nextInt(600));
            } else if (fromSnapshot && k % 4 == 0) { // while the job starts or restores
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
        awaitExact(kills + " kills");
        LOG.info("kills by stage (seed {}): {}", seed, killedWhile);
        if (fromSnapshot) {
            assertThat(killedWhile)
                    .as("kills in the snapshot and while streaming")
                    .containsKeys("in the snapshot", "streaming");
        } else {
            assertThat(killedWhile).as("kills while streaming").containsOnlyKeys("streaming");
        }
        phases.add(kills + " SIGKILLs at random moments " + killedWhile + ": exact");
    }

    /**
     * Killed; the replication slot dropped while down: a plain restart must refuse with the fix
     * (resuming would skip the WAL in between); with {@code postgres.on-slot-loss: resync} it
     * resyncs and ends exact. The setting stays {@code resync} afterwards.
     */
    void slotDroppedWhileDown() throws Exception {
        slotDroppedAndRefused();
        onSlotLoss(OnSlotLoss.RESYNC);
        job = JobProcess.start(config, tmp, "run5");
        awaitExact("slot lost, on-slot-loss: resync");
        assertThat(job.log()).contains("replication slot").contains("lost");
        phases.add("slot dropped while down: refused with the fix, then resync: exact");
    }

    /**
     * {@link #slotDroppedWhileDown} and {@link #freshIntoPopulatedTables} in one: the slot dropped
     * while down (a plain restart refused), then users deleted and {@code --fresh} into the
     * populated tables, which must retire them. One resync less than the two phases apart.
     */
    void slotDroppedThenFresh() throws Exception {
        slotDroppedAndRefused();
        freshStart("run5", List.of(23, 24));
        phases.add(
                "slot dropped while down: refused with the fix, then --fresh into populated"
                        + " tables: exact");
    }

    private void slotDroppedAndRefused() throws Exception {
        awaitRetainedCheckpoint(tmp);
        job.kill();
        LifecycleSupport.dropSlot(pg, slot());
        recentChanges(pg, 100, 20, 20);
        job = JobProcess.start(config, tmp, "run4");
        assertThat(job.awaitExit(Duration.ofMinutes(2)))
                .as("a resumed run without its slot must stop")
                .isNotZero();
        assertThat(job.log()).contains("no longer exists").contains("--fresh");
    }

    /** ClickHouse unreachable (frozen with SIGSTOP) for 60 s while changes stream. */
    void clickHousePaused() throws Exception {
        recentChanges(pg, 200, 20, 20);
        Thread.sleep(1_000); // let the job be busy writing when it freezes
        servers.clickhouse().pause(Duration.ofSeconds(60));
        recentChanges(pg, 200, 20, 20);
        awaitExact("ClickHouse paused for 60 s");
        phases.add("ClickHouse paused for 60 s while streaming: exact");
    }

    /**
     * Postgres restarted mid-stream: the replication connection and the job's sessions end; the job
     * restarts from its checkpoint and reconnects. Then the database still holds exactly one slot
     * (other tests' databases share the server).
     */
    void postgresRestarted() throws Exception {
        recentChanges(pg, 200, 20, 20);
        servers.postgres().restart();
        pg.close();
        pg = JobTestSupport.postgres(servers, pgDb);
        oracle = new EventOracle(pg, ch, PII_KEY);
        recentChanges(pg, 200, 20, 20);
        awaitExact("Postgres restarted");
        assertThat(LifecycleSupport.slotsOfDatabase(pg))
                .as("replication slots of the database")
                .isEqualTo(1);
        phases.add("Postgres restarted while streaming: exact, one slot");
    }

    private String slot() {
        return (String) settings.get(PostgresSourceOptions.SLOT.key());
    }

    private void onSlotLoss(OnSlotLoss onSlotLoss) throws Exception {
        settings.put(PostgresSourceOptions.ON_SLOT_LOSS.key(), onSlotLoss);
        writeConfig(config, settings);
    }

    private void awaitExact(String phase) throws Exception {
        LifecycleSupport.awaitExact(phase, job, oracle, pg, mirror);
    }

    /** Kills every job process this JVM started and closes the connections. */
    @Override
    public void close() throws Exception {
        JobProcess.killAll();
        try (Connection p = pg;
                ClickHouseConnection c = ch;
                ClickHouseConnection m = mirror) {
            LOG.info("Lifecycle phases:\n  {}", String.join("\n  ", phases));
        }
    }
}
