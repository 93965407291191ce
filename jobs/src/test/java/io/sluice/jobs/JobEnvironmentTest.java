package io.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.JobOptions;
import java.util.ArrayList;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.contrib.streaming.state.DefaultConfigurableOptionsFactory;
import org.apache.flink.contrib.streaming.state.RocksDBConfigurableOptions;
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
}
