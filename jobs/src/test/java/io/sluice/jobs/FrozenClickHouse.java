package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.TestClickHouse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.util.function.ThrowingConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ClickHouse outage for a running job: the local server is frozen (SIGSTOP: connections stay
 * open, requests hang, as in a partition or a stalled host) while the test changes the source and
 * checks that the job's checkpoints go on completing.
 */
public final class FrozenClickHouse {
    private static final Logger LOG = LoggerFactory.getLogger(FrozenClickHouse.class);

    /** The longest a checkpoint may take while ClickHouse is frozen. */
    public static final Duration MAX_CHECKPOINT = Duration.ofSeconds(5);

    private FrozenClickHouse() {}

    /**
     * Freezes ClickHouse for {@code outage}; meanwhile, {@code rounds} times, makes changes ({@code
     * change} gets the round) and waits up to 10 s for the next checkpoint, which must complete
     * while ClickHouse is still frozen and take less than {@link #MAX_CHECKPOINT}. Returns when
     * ClickHouse runs again, with the checkpoints' durations in ms.
     */
    public static List<Long> checkpointsWhileFrozen(
            TestClickHouse clickHouse,
            Duration outage,
            MiniCluster cluster,
            JobClient job,
            int rounds,
            ThrowingConsumer<Integer, Exception> change)
            throws Exception {
        long seen = JobTestSupport.completedCheckpoints(cluster, job);
        CompletableFuture<Void> frozen =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                clickHouse.pause(outage);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        });
        List<Long> durations = new ArrayList<>();
        try {
            Thread.sleep(1_000); // ClickHouse is frozen now
            for (int round = 0; round < rounds; round++) {
                change.accept(round);
                seen =
                        JobTestSupport.awaitCheckpointAfter(
                                cluster, job, seen, Duration.ofSeconds(10));
                assertThat(frozen)
                        .as("checkpoint %d completed while ClickHouse was frozen", seen)
                        .isNotDone();
                durations.add(
                        cluster.getExecutionGraph(job.getJobID())
                                .get()
                                .getCheckpointStatsSnapshot()
                                .getHistory()
                                .getLatestCompletedCheckpoint()
                                .getEndToEndDuration());
            }
        } finally {
            frozen.get(); // never leave the server frozen for the next test
        }
        LOG.info(
                "while ClickHouse was frozen for {} s, checkpoints completed taking {} ms",
                outage.toSeconds(),
                durations);
        assertThat(durations)
                .as("checkpoint durations while ClickHouse was frozen, ms")
                .allMatch(ms -> ms < MAX_CHECKPOINT.toMillis());
        return durations;
    }
}
