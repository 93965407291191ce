package io.sluice.jobs.analytics.backfill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sluice.jobs.JobTestSupport;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;
import org.junit.jupiter.api.Test;

/**
 * How {@code ./sluice backfill} follows its job on a local MiniCluster: the MiniCluster shuts down
 * with the job, so a job that ends between two progress polls must still give its result (exit 0),
 * and a failed one its own error (exit 1). Real local jobs, no stubs.
 */
class BackfillFollowTest {

    /** Counts its rows into an accumulator, the way the backfill's readers report progress. */
    static final class Counting extends RichMapFunction<Long, Long> {
        private final LongCounter rows = new LongCounter();

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext ctx) {
            getRuntimeContext().addAccumulator("rows", rows);
        }

        @Override
        public Long map(Long value) {
            rows.add(1);
            if (value == -1L) {
                throw new IllegalStateException("chunk 7 could not be read: boom");
            }
            return value;
        }
    }

    private static JobClient start(long from, long to) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1);
        env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
        JobTestSupport.noRestart(env);
        env.fromSequence(from, to).map(new Counting()).addSink(new DiscardingSink<>());
        return env.executeAsync("follow-test");
    }

    @Test
    void aJobThatEndsBetweenTwoPollsGivesItsResult() throws Exception {
        JobClient job = start(1, 1_000);
        AtomicInteger reports = new AtomicInteger();
        // The poll interval is far longer than the job: it ends (and its MiniCluster shuts down)
        // while the follower waits, which is what made the old loop fail after a successful run.
        JobExecutionResult result =
                BackfillProgress.awaitResult(
                        job, Duration.ofSeconds(30), acc -> reports.incrementAndGet());
        assertEquals(1_000L, ((Number) result.getAllAccumulatorResults().get("rows")).longValue());
        assertEquals(0, reports.get());
    }

    @Test
    void aFailedJobThrowsItsOwnError() throws Exception {
        JobClient job = start(-1, 0);
        Exception e =
                assertThrows(
                        Exception.class,
                        () -> BackfillProgress.awaitResult(job, Duration.ofMillis(200), acc -> {}));
        assertTrue(
                String.valueOf(e.getMessage()).contains("chunk 7 could not be read: boom"),
                "the job's own error, not Flink's wrapper: " + e);
    }
}
