package io.sluice.jobs.mirror;

import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Resync;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starts the mirror job on the tests' MiniCluster as {@code MirrorJob.main} wires it. */
final class MirrorTestJob {
    private MirrorTestJob() {}

    /** Prepares ClickHouse and the slot, then submits a fresh run; {@code restarts}: or none. */
    static JobClient start(SluiceConfig config, String name, boolean restarts) throws Exception {
        MirrorSetup.prepare(config);
        Resync.Anchor anchor = Resync.anchor(config, "test");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobTestSupport.configure(env, config);
        if (!restarts) {
            JobTestSupport.noRestart(env);
        }
        MirrorJob.mirror(
                MirrorJob.guarded(
                        MirrorJob.changes(env, config, MirrorSource.create(config, anchor)),
                        new LifecycleGuard(
                                config, MirrorJob.primaryKeys(config), false, anchor.lsn()),
                        config),
                config);
        return env.executeAsync(name);
    }
}
