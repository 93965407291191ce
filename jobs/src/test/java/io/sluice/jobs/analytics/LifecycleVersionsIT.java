package io.sluice.jobs.analytics;

import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle phases whose outcome depends on the Postgres version (the replication slot,
 * pgoutput, the catalog), on each supported major other than 17, where {@link LifecycleIT} runs
 * them all. The job runs as the launcher runs it and is killed with SIGKILL; each phase ends with
 * the mirror and every analytics table equal to SQL over Postgres:
 *
 * <ol>
 *   <li>first run: snapshot of the history, then streamed changes;
 *   <li>killed with changes in flight, changes while down, a plain restart that resumes;
 *   <li>{@value #KILLS} more SIGKILLs while streaming, each followed by a plain restart;
 *   <li>a rollback to a checkpoint older than what the slot has confirmed since: refused with the
 *       fix, then resynced with {@code postgres.on-slot-loss: resync};
 *   <li>the slot dropped while down: a plain restart refused with the fix; then users deleted and
 *       {@code --fresh} into the populated tables, which must retire them;
 *   <li>Postgres restarted while changes stream; the database then holds exactly one slot.
 * </ol>
 *
 * <p>Left to {@link LifecycleIT} on 17, to keep the suite within CI's time: the 20-kill storm
 * through a snapshot, the rollback the slot still serves, ClickHouse frozen for 60 s, and the slot
 * loss resynced by {@code on-slot-loss: resync} (here the slot loss is refused, then resynced with
 * {@code --fresh}, which saves one resync; the rollback above covers {@code on-slot-loss: resync}).
 * None of them depends on the Postgres version: what does (the slot's confirmed position, its
 * absence, a snapshot and resume through pgoutput) is exercised here.
 */
class LifecycleVersionsIT {
    private static final int KILLS = 2;
    private static final int PHASES = 6;

    /** The majors of {@link JobTestSupport#postgresMajors()} but 17 ({@link LifecycleIT}'s). */
    static Stream<Integer> olderMajors() {
        return JobTestSupport.postgresMajors().filter(m -> m != TestServers.DEFAULT_POSTGRES_MAJOR);
    }

    @ParameterizedTest(name = "Postgres {0}")
    @MethodSource("olderMajors")
    void exactAfterEveryVersionDependentPhase(int postgresMajor, @TempDir Path tmp)
            throws Exception {
        long started = System.nanoTime();
        TestServers servers = TestServers.get().withPostgres(postgresMajor);
        String serverVersion = servers.postgres().serverVersion();
        System.out.println("LifecycleVersionsIT on Postgres " + serverVersion);
        LifecycleRun run = new LifecycleRun(servers, tmp, 5_000);
        try (run) {
            run.firstRun();
            run.killAndPlainRestart();
            run.killStorm(KILLS, false);
            run.rollbackPastSlot();
            run.slotDroppedThenFresh();
            run.postgresRestarted();
        } finally {
            System.out.println(
                    "Lifecycle phases passed on Postgres "
                            + serverVersion
                            + " ("
                            + run.phases().size()
                            + "/"
                            + PHASES
                            + "):");
            run.phases().forEach(p -> System.out.println("  " + p));
        }
        JobTestSupport.reportRun(
                "LifecycleVersionsIT",
                serverVersion,
                Duration.ofNanos(System.nanoTime() - started));
    }
}
