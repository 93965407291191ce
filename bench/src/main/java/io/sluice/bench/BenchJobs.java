package io.sluice.bench;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.mirror.MirrorSetup;

/** The two jobs the bench runs, each with its own slot and databases, and their result tables. */
record BenchJobs(
        JobRunner runner,
        SluiceConfig mirror,
        SluiceConfig analytics,
        SluiceConfig analyticsOther,
        String mirrorTable,
        String analyticsTable,
        String analyticsOtherTable) {

    static BenchJobs prepare(BenchRun run, JobRunner runner) throws Exception {
        SluiceConfig mirror =
                Bench.config(run.servers, run.pgDb, "m", run.args.parallelism(), run.checkpointMs);
        SluiceConfig analytics =
                Bench.config(run.servers, run.pgDb, "a", run.args.parallelism(), run.checkpointMs);
        // The analytics job again, on the other state backend: its own slot and databases.
        SluiceConfig analyticsOther =
                Bench.config(run.servers, run.pgDb, "o", run.args.parallelism(), run.checkpointMs);
        MirrorSetup.prepare(mirror);
        MirrorSetup.prepare(analytics);
        AnalyticsSetup.prepare(analytics);
        MirrorSetup.prepare(analyticsOther);
        AnalyticsSetup.prepare(analyticsOther);
        String mirrorTable = mirror.get(ClickHouseSinkOptions.DATABASE) + ".events";
        String analyticsTable = analytics.get(AnalyticsOptions.DATABASE) + ".events";
        return new BenchJobs(
                runner,
                mirror,
                analytics,
                analyticsOther,
                mirrorTable,
                analyticsTable,
                analyticsOther.get(AnalyticsOptions.DATABASE) + ".events");
    }
}
