package io.sluice.jobs.analytics;

import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobEnvironment;
import io.sluice.jobs.analytics.backfill.BackfillOptions;
import io.sluice.jobs.analytics.backfill.BackfillPlan;
import io.sluice.jobs.analytics.backfill.BackfillProgress;
import io.sluice.jobs.analytics.backfill.BackfillTopology;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.FreshStartStatements;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Rebuilds the analytics tables of a closed {@code occurred_at} range while the streaming job keeps
 * running: analytics.events and the window rollups (events per minute, 5 minutes, hour) of the
 * range, and, unless {@code --tables events}, the closed rows of the user-scoped tables the range
 * reaches (sessions, sessions_daily, DAU/WAU/MAU, funnels, retention, adoption), from a replay of
 * the whole history through the streaming job's own operators ({@link
 * io.sluice.jobs.analytics.backfill.UserTableRanges}). A bounded, checkpointed job: killed, it
 * resumes from its latest checkpoint (automatically, or with {@code flink run -s}).
 *
 * <p>Sources: {@code postgres} re-reads the events table in {@code occurred_at} chunks, in
 * parallel, at most {@code --max-rows-per-second} per reader; {@code archive} replays the Parquet
 * archive and keeps each event's newest change.
 *
 * <p>Idempotent overwrite: when the job's tasks start without state (not resumed), the rows it
 * rewrites are zeroed or deleted and, from Postgres, the range's events tombstoned, at versions
 * below the backfill's ({@link FreshStartStatements}); the backfill then writes every row again
 * above them. Events read from Postgres carry the WAL position at the start, so any change the
 * streaming job writes later wins; archived events carry their own. Rollup versions start at a WAL
 * position written at the start, above every version already written; the range must be closed
 * (older than the newest event the streaming job wrote, less repair horizon and out-of-orderness),
 * so the streaming job does not write those rows again.
 *
 * <p>The parts: {@link BackfillOptions} (the command line), {@link BackfillPlan} (versions,
 * overwrite, what is read), {@link BackfillTopology} (the Flink job), {@link BackfillProgress}
 * (following it).
 *
 * <p>Usage: {@code BackfillJob --config F --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z
 * [--source postgres|archive] [--chunk-minutes 60] [--max-rows-per-second 0]}
 */
public final class BackfillJob {
    private BackfillJob() {}

    public static void main(String[] args) throws Exception {
        BackfillOptions options;
        try {
            options = BackfillOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        SluiceConfig config = ConfigLoader.load(Path.of(options.config()));
        PiiHasher hasher =
                options.source() == BackfillOptions.Source.POSTGRES
                        ? PiiHasher.fromConfig(config, System.getenv())
                        : null; // the archive is written after PII hashing
        options.checkClosed(config, Instant.now());
        AnalyticsSetup.prepare(config);
        StreamExecutionEnvironment env = JobEnvironment.create(config);
        BackfillPlan plan = BackfillPlan.create(config, options);
        BackfillTopology.build(env, config, plan, hasher);
        JobClient job = env.executeAsync(options.jobName());
        try {
            BackfillProgress.follow(job, plan);
        } catch (Exception failed) {
            System.err.println("backfill failed: " + failed);
            failed.printStackTrace(System.err);
            System.exit(1);
        }
        // A MiniCluster's non-daemon threads may outlive main: the exit status is decided here.
        System.exit(0);
    }
}
