package io.sluice.jobs.analytics.backfill;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.JobException;
import org.apache.flink.runtime.client.JobExecutionException;

/**
 * Follows a running backfill: its readers' accumulators (rows read, chunks done) every 5 s, then a
 * summary. The counters restart with each attempt after a failover.
 */
public final class BackfillProgress {
    private static final Duration INTERVAL = Duration.ofSeconds(5);

    private BackfillProgress() {}

    /** Prints progress every 5 s until the job ends, then a summary; fails if the job failed. */
    public static JobExecutionResult follow(JobClient job, BackfillPlan plan) throws Exception {
        BackfillOptions o = plan.options();
        long started = System.nanoTime();
        long chunks = plan.chunks().size();
        JobExecutionResult result =
                awaitResult(
                        job,
                        INTERVAL,
                        acc -> System.out.println(progress(acc, o, chunks, started)));
        Map<String, Object> acc = result.getAllAccumulatorResults();
        System.out.println(
                "backfill finished: "
                        + progress(acc, o, chunks, started)
                        + ", "
                        + number(acc, BackfillEvents.EVENTS)
                        + " events written, "
                        + number(acc, BackfillEvents.SKIPPED)
                        + " rows not usable");
        return result;
    }

    /**
     * Waits for the job's result, reporting its accumulators every {@code interval} while it runs.
     * The result is the only thing asked for once the job may have ended: a local MiniCluster shuts
     * down with its job, after which {@code getJobStatus()} and {@code getAccumulators()} fail, so
     * a job that finished between two polls must not be polled again. A failed job throws its own
     * error (the cause of Flink's {@code JobExecutionException}).
     */
    static JobExecutionResult awaitResult(
            JobClient job, Duration interval, Consumer<Map<String, Object>> report)
            throws Exception {
        CompletableFuture<JobExecutionResult> result = job.getJobExecutionResult();
        while (true) {
            try {
                return result.get(interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException running) {
                try {
                    report.accept(
                            job.getAccumulators().get(interval.toMillis(), TimeUnit.MILLISECONDS));
                } catch (Exception notAvailable) {
                    // not yet running, or it just ended: the result says which
                }
            } catch (ExecutionException failed) {
                throw rootJobError(failed);
            }
        }
    }

    /**
     * The job's own error under Flink's wrappers (JobExecutionException, "Recovery is suppressed"
     * JobException, CompletionException).
     */
    static Exception rootJobError(Throwable t) {
        Throwable e = t;
        while ((e instanceof ExecutionException
                        || e instanceof CompletionException
                        || e instanceof JobExecutionException
                        || e instanceof JobException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof Exception ex ? ex : new RuntimeException(e);
    }

    static String progress(
            Map<String, Object> acc, BackfillOptions o, long chunks, long startedNanos) {
        long rows = number(acc, ChunkProgress.ROWS_READ);
        double seconds = Math.max(0.001, (System.nanoTime() - startedNanos) / 1e9);
        String done =
                o.source() == BackfillOptions.Source.POSTGRES
                        ? String.format(
                                Locale.ROOT,
                                ", %d/%d chunks (%.1f %%)",
                                number(acc, ChunkProgress.CHUNKS_DONE),
                                chunks,
                                100.0 * number(acc, ChunkProgress.CHUNKS_DONE) / chunks)
                        : "";
        return String.format(
                Locale.ROOT,
                "%d rows read%s in %.0f s (%.0f rows/s)",
                rows,
                done,
                seconds,
                rows / seconds);
    }

    private static long number(Map<String, Object> acc, String name) {
        Object v = acc.get(name);
        return v instanceof Number n ? n.longValue() : 0;
    }
}
