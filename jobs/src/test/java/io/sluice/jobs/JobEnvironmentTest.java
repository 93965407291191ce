package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.SluiceConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateChangelogOptions;
import org.apache.flink.contrib.streaming.state.DefaultConfigurableOptionsFactory;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateBackendLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.RocksDB;

/** The state backend configuration a job is submitted with. */
class JobEnvironmentTest {
    @Test
    void rocksDbGetsTheConfiguredMemtableSizeAndIncrementalCheckpoints() throws Exception {
        Configuration conf =
                JobEnvironment.stateConfiguration(
                        JobOptions.StateBackend.ROCKSDB, MemorySize.parse("4 mb"), "file:///cp");
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("rocksdb");
        assertThat(conf.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).isTrue();

        // What Flink's RocksDB backend makes of it: each column family's write buffer.
        RocksDB.loadLibrary();
        DefaultConfigurableOptionsFactory factory =
                new DefaultConfigurableOptionsFactory().configure(conf);
        try (ColumnFamilyOptions column =
                factory.createColumnOptions(new ColumnFamilyOptions(), new ArrayList<>())) {
            assertThat(column.writeBufferSize()).isEqualTo(MemorySize.parse("4 mb").getBytes());
        }
        assertThat(conf.get(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE))
                .isEqualTo(MemorySize.parse("4 mb"));
    }

    @Test
    void theHeapBackendIsLeftWithoutRocksDbOptions() {
        Configuration conf =
                JobEnvironment.stateConfiguration(
                        JobOptions.StateBackend.HASHMAP, MemorySize.parse("4 mb"), "file:///cp");
        assertThat(conf.get(StateBackendOptions.STATE_BACKEND)).isEqualTo("hashmap");
        assertThat(conf.contains(RocksDBConfigurableOptions.WRITE_BUFFER_SIZE)).isFalse();
    }

    /**
     * A cluster whose configuration turns Flink's changelog state backend on still runs Sluice's
     * jobs without it (its restores would need CLAIM mode), on either backend, as Flink's own
     * loader resolves the job's configuration against the cluster's.
     */
    @Test
    void theChangelogBackendStaysOffWhereTheClusterTurnsItOn() throws Exception {
        Configuration cluster = new Configuration();
        cluster.set(StateChangelogOptions.ENABLE_STATE_CHANGE_LOG, true);
        for (JobOptions.StateBackend backend : JobOptions.StateBackend.values()) {
            Configuration job =
                    JobEnvironment.stateConfiguration(
                            backend, MemorySize.parse("4 mb"), "file:///cp");
            org.apache.flink.runtime.state.StateBackend loaded =
                    StateBackendLoader.fromApplicationOrConfigOrDefault(
                            null, job, cluster, getClass().getClassLoader(), null);
            assertThat(StateBackendLoader.isChangelogStateBackend(loaded))
                    .as(backend.toString())
                    .isFalse();
        }
        // the loader does wrap the backend when the job leaves the setting to the cluster
        Configuration unset = new Configuration();
        unset.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        assertThat(
                        StateBackendLoader.isChangelogStateBackend(
                                StateBackendLoader.fromApplicationOrConfigOrDefault(
                                        null, unset, cluster, getClass().getClassLoader(), null)))
                .isTrue();
    }

    /**
     * State written before Sluice set the max parallelism has Flink's derived number of key groups;
     * the explicit default must equal it for every parallelism such a job could have run at, or
     * that state would not restore.
     */
    @Test
    void theDefaultMaxParallelismIsWhatFlinkDerivedBefore() {
        int configured = JobOptions.MAX_PARALLELISM.defaultValue();
        for (int parallelism = 1; parallelism <= 64; parallelism++) {
            assertThat(KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism))
                    .as(
                            "Flink's max parallelism for a job first run at parallelism %d",
                            parallelism)
                    .isEqualTo(configured);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobEnvironment.configure(env, config(Map.of("job.parallelism", 4)));
        assertThat(env.getMaxParallelism()).isEqualTo(configured);
    }

    @Test
    void aParallelismAboveTheMaxParallelismIsRefused() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(
                        () ->
                                JobEnvironment.configure(
                                        env,
                                        config(
                                                Map.of(
                                                        "job.parallelism",
                                                        8,
                                                        "job.max-parallelism",
                                                        4))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("job.parallelism is 8 and job.max-parallelism 4");
    }

    private static SluiceConfig config(Map<String, Object> overrides) {
        Map<String, Object> v = new HashMap<>();
        v.put("postgres.database", "app");
        v.put("postgres.user", "u");
        v.put("postgres.tables", List.of("public.users"));
        v.put("clickhouse.url", "http://127.0.0.1:8123");
        v.put("clickhouse.database", "sluice");
        v.putAll(overrides);
        return SluiceConfig.of(v);
    }
}
