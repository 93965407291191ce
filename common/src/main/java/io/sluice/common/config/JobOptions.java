package io.sluice.common.config;

import static io.sluice.common.config.Checks.positive;
import static io.sluice.common.config.Checks.positiveDuration;
import static io.sluice.common.config.Checks.sizeAtLeast;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/** {@code job:}, the Flink settings a job sets from {@code sluice.yaml}. */
public final class JobOptions {
    private JobOptions() {}

    /** Flink's state backends, named as Flink's {@code state.backend.type} names them. */
    public enum StateBackend {
        HASHMAP,
        ROCKSDB;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("job.parallelism")
                    .intType()
                    .defaultValue(1)
                    .withDescription("Parallelism of the job's operators.");

    public static final ConfigOption<Integer> MAX_PARALLELISM =
            ConfigOptions.key("job.max-parallelism")
                    .intType()
                    .defaultValue(128)
                    .withDescription(
                            "The number of key groups keyed state is split into: the most"
                                    + " parallel the job can ever be rescaled to. Fixed once the"
                                    + " job has state: a checkpoint or savepoint restores only"
                                    + " into the same value. 128 is what Flink chose before Sluice"
                                    + " set it, so existing state restores.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("job.checkpoint-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDeprecatedKeys("job.checkpoint-interval-ms")
                    .withDescription(
                            "Checkpoint interval. The slot's confirmed LSN advances only on"
                                    + " checkpoints.");

    public static final ConfigOption<String> CHECKPOINT_DIR =
            ConfigOptions.key("job.checkpoint-dir")
                    .stringType()
                    .defaultValue("file:///tmp/sluice-checkpoints")
                    .withDescription("Checkpoint storage (file://, s3://, ...).");

    public static final ConfigOption<StateBackend> STATE_BACKEND =
            ConfigOptions.key("job.state-backend")
                    .enumType(StateBackend.class)
                    .defaultValue(StateBackend.HASHMAP)
                    .withDescription("Flink state backend: hashmap or rocksdb.");

    public static final ConfigOption<MemorySize> ROCKSDB_WRITE_BUFFER_SIZE =
            ConfigOptions.key("job.rocksdb.write-buffer-size")
                    .memoryType()
                    .defaultValue(MemorySize.parse("4 mb"))
                    .withDescription(
                            "With job.state-backend rocksdb: the size of each state's memtable"
                                    + " (Flink's state.backend.rocksdb.writebuffer.size). RocksDB's"
                                    + " memory stays bounded by the slot's managed memory. Flink's"
                                    + " default, 64 mb, reserves so much per state that the"
                                    + " analytics job's many states overflowed the slot's share"
                                    + " and RocksDB flushed kilobyte files several times a"
                                    + " second: the job ran 7x slower.");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(PARALLELISM, positive()),
                    OptionRule.optional(MAX_PARALLELISM, positive()),
                    OptionRule.optional(CHECKPOINT_INTERVAL, positiveDuration()),
                    OptionRule.optional(CHECKPOINT_DIR),
                    OptionRule.optional(STATE_BACKEND),
                    OptionRule.optional(
                            ROCKSDB_WRITE_BUFFER_SIZE, sizeAtLeast(MemorySize.parse("64 kb"))));
}
