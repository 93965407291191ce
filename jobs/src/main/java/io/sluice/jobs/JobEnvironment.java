package io.sluice.jobs;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.ops.Startup;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** The Flink settings every Sluice job shares: checkpointing, state backend, parallelism. */
public final class JobEnvironment {
    /**
     * Flink's upper bound of the max parallelism
     * (KeyGroupRangeAssignment.UPPER_BOUND_MAX_PARALLELISM).
     */
    private static final int MAX_KEY_GROUPS = 1 << 15;

    private JobEnvironment() {}

    /** Whether {@code --fresh} was given: start over (a resync) instead of resuming. */
    public static boolean fresh(String[] args) {
        for (String a : args) {
            if (a.equals("--fresh")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A savepoint or checkpoint the user named: {@code --from PATH} (the launcher's), or {@code
     * execution.savepoint.path} in the environment's configuration; null when none.
     */
    public static String explicitRestore(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--from")) {
                return args[i + 1];
            }
        }
        return StreamExecutionEnvironment.getExecutionEnvironment()
                .getConfiguration()
                .getOptional(StateRecoveryOptions.SAVEPOINT_PATH)
                .orElse(null);
    }

    /**
     * The environment of a streaming run as {@link Startup} planned it: checkpoints in the
     * pipeline's own directory, kept when the job is cancelled or killed (so the next run can
     * resume), and the restore path of a resumed run.
     */
    public static StreamExecutionEnvironment create(SluiceConfig config, Startup.Plan plan) {
        Configuration conf = stateConfiguration(config, plan.checkpointDir());
        conf.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        // The newest resumes; the older ones are there to roll back to (./sluice run --from).
        conf.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, RETAINED_CHECKPOINTS);
        if (plan.restorePath() != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, plan.restorePath());
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        configure(env, config);
        return env;
    }

    /** Completed checkpoints kept per pipeline. */
    public static final int RETAINED_CHECKPOINTS = 3;

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
                        stateConfiguration(config, config.get(JobOptions.CHECKPOINT_DIR)));
        configure(env, config);
        return env;
    }

    /** The configuration's state backend, with checkpoints in {@code checkpointDir}. */
    public static Configuration stateConfiguration(SluiceConfig config, String checkpointDir) {
        return stateConfiguration(
                config.get(JobOptions.STATE_BACKEND),
                config.get(JobOptions.ROCKSDB_WRITE_BUFFER_SIZE),
                checkpointDir);
    }

    /**
     * The state backend and where checkpoints go. RocksDB checkpoints are incremental: a full
     * snapshot rewrites all state (7 days of dedupe keys) on every checkpoint, and on a 1 s
     * interval that alone kept a core busy in the benchmark.
     *
     * <p>RocksDB's memory stays managed (bounded by the slot's managed memory, shared by every
     * state of the slot through one write buffer manager), with a memtable of {@code writeBuffer}
     * per state. The analytics job has about 60 states per slot; at Flink's default of 64 mb the
     * write buffer manager saw its share exceeded all the time and forced a flush of kilobyte files
     * several times a second (their LOG: flush reason "Write Buffer Manager"), and the analytics
     * snapshot ran at 150 rows/s instead of 1,100.
     */
    public static Configuration stateConfiguration(
            JobOptions.StateBackend backend, MemorySize writeBuffer, String checkpointDir) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, backend.toString());
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir);
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        // Off even where the cluster's configuration turns it on: Flink's changelog state backend
        // fails the first checkpoint after a restore in NO_CLAIM mode, the mode Sluice's restarts
        // and --from restores use, and the job would restart over and over (performance.md).
        conf.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, false);
        if (backend == JobOptions.StateBackend.ROCKSDB) {
            conf.set(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE, writeBuffer);
        }
        return conf;
    }

    public static void configure(StreamExecutionEnvironment env, SluiceConfig config) {
        int parallelism = config.get(JobOptions.PARALLELISM);
        int maxParallelism = config.get(JobOptions.MAX_PARALLELISM);
        if (parallelism > maxParallelism || maxParallelism > MAX_KEY_GROUPS) {
            throw new ConfigException(
                    List.of(
                            "job.parallelism is "
                                    + parallelism
                                    + " and job.max-parallelism "
                                    + maxParallelism
                                    + ": the parallelism must not exceed the max parallelism,"
                                    + " which must not exceed "
                                    + MAX_KEY_GROUPS
                                    + " (and cannot change once the job has state)"));
        }
        env.setParallelism(parallelism);
        // Explicit, never derived from the first run's parallelism: the key groups are fixed
        // for the life of the state (Flink's default for parallelism up to 85 is 128 too).
        env.setMaxParallelism(maxParallelism);
        // The slot's confirmed LSN advances only when a checkpoint completes: without
        // checkpoints Postgres keeps WAL forever.
        long intervalMs = config.get(JobOptions.CHECKPOINT_INTERVAL).toMillis();
        env.enableCheckpointing(intervalMs, CheckpointingMode.EXACTLY_ONCE);
        env.getCheckpointConfig().setMinPauseBetweenCheckpoints(Math.min(1000, intervalMs));
        env.getCheckpointConfig().setCheckpointTimeout(Duration.ofMinutes(10).toMillis());
        env.getCheckpointConfig().setTolerableCheckpointFailureNumber(3);
        // Keyed state is written and read through Snappy's buffered streams. Uncompressed, the
        // heap backend restores a local checkpoint file a byte per read call: after a failover
        // the dedupe operator stayed INITIALIZING for over a minute on 30 MB of state, and no
        // checkpoint could complete meanwhile. Snapshots record whether they are compressed, so
        // older checkpoints and savepoints restore unchanged.
        Configuration compression = new Configuration();
        compression.set(ExecutionOptions.SNAPSHOT_COMPRESSION, true);
        env.configure(compression);
    }
}
