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
        String mirrorTable,
        String analyticsTable) {

    static BenchJobs prepare(BenchRun run, JobRunner runner) throws Exception {
        SluiceConfig mirror =
                Bench.config(run.servers, run.pgDb, "m", run.args.parallelism(), run.checkpointMs);
        SluiceConfig analytics =
                Bench.config(run.servers, run.pgDb, "a", run.args.parallelism(), run.checkpointMs);
        MirrorSetup.prepare(mirror);
        MirrorSetup.prepare(analytics);
        AnalyticsSetup.prepare(analytics);
        String mirrorTable = mirror.get(ClickHouseSinkOptions.DATABASE) + ".events";
        String analyticsTable = analytics.get(AnalyticsOptions.DATABASE) + ".events";
        return new BenchJobs(runner, mirror, analytics, mirrorTable, analyticsTable);
    }
}
