package io.sluice.jobs.analytics;

import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 *
 * <p>It runs on Postgres 17; {@link LifecycleVersionsIT} runs the phases that depend on the
 * Postgres version on 14 to 16. The phases are {@link LifecycleRun}'s.
 */
class LifecycleIT {
    private static final int KILLS = 20;
    private static final int PHASES = 9;

    @Test
    void exactAfterEveryLifecycleEvent(@TempDir Path tmp) throws Exception {
        long started = System.nanoTime();
        TestServers servers = TestServers.get();
        LifecycleRun run = new LifecycleRun(servers, tmp, 20_000);
        try (run) {
            run.firstRun();
            run.killAndPlainRestart();
            run.rollbackWithinSlot();
            run.rollbackPastSlot();
            run.freshIntoPopulatedTables();
            run.killStorm(KILLS, true);
            run.slotDroppedWhileDown();
            run.clickHousePaused();
            run.postgresRestarted();
        } finally {
            System.out.println(
                    "Lifecycle phases passed (" + run.phases().size() + "/" + PHASES + "):");
            run.phases().forEach(p -> System.out.println("  " + p));
        }
        JobTestSupport.reportRun(
                "LifecycleIT (every phase)",
                servers.postgres().serverVersion(),
                Duration.ofNanos(System.nanoTime() - started));
    }
}
