package io.sluice.jobs;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SluiceOptions;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The Flink settings every Sluice job shares: checkpointing, state backend, parallelism. */
public final class JobEnvironment {
    private JobEnvironment() {}

    public static String configPath(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--config")) {
                return args[i + 1];
            }
        }
        throw new IllegalArgumentException("usage: --config <sluice.yaml> (no --config given)");
    }

    public static StreamExecutionEnvironment create(SluiceConfig config) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        stateConfiguration(
                                config.get(SluiceOptions.JOB_STATE_BACKEND),
                                config.get(SluiceOptions.JOB_CHECKPOINT_DIR)));
        configure(env, config);
        return env;
    }

    /**
     * The state backend and where checkpoints go. RocksDB checkpoints are incremental: a full
     * snapshot rewrites all state (7 days of dedupe keys) on every checkpoint, and on a 1 s
     * interval that alone kept a core busy in the benchmark.
     */
    public static Configuration stateConfiguration(String backend, String checkpointDir) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        return conf;
    }

    public static void configure(StreamExecutionEnvironment env, SluiceConfig config) {
        env.setParallelism(config.get(SluiceOptions.JOB_PARALLELISM));
        // The slot's confirmed LSN advances only when a checkpoint completes: without
        // checkpoints Postgres keeps WAL forever.
        env.enableCheckpointing(
                config.get(SluiceOptions.JOB_CHECKPOINT_INTERVAL_MS),
                CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig()
                .setMinPauseBetweenCheckpoints(
                        Math.min(1000, config.get(SluiceOptions.JOB_CHECKPOINT_INTERVAL_MS)));
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(10).toMillis());
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(3);
    }
}
