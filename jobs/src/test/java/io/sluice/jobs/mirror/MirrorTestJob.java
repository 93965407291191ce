package io.sluice.jobs.mirror;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.ops.LifecycleGuard;
import io.sluice.jobs.ops.Resync;
import io.sluice.jobs.pii.PiiMasker;
import java.util.Map;
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
                PiiMasker.apply(
                        MirrorJob.guarded(
                                MirrorJob.changes(env, config, MirrorSource.create(config, anchor)),
                                new LifecycleGuard<>(
                                        config, MirrorJob.primaryKeys(config), false, anchor.lsn()),
                                config),
                        config,
                        PiiHasher.fromConfig(config, Map.of())),
                config);
        return env.executeAsync(name);
    }
}
