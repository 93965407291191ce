package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.JobOptions;
import io.sluice.jobs.JobEnvironment;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The user-keyed operators keep their event logs append-only exactly when the job runs on RocksDB:
 * the layout follows the state backend JobEnvironment configured, as a job built from the
 * configuration sees it.
 */
class AppendOnlyLogsTest {
    private static boolean appendOnly(JobOptions.StateBackend backend) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        JobEnvironment.stateConfiguration(
                                backend, MemorySize.parse("4 mb"), "file:///cp"));
        return UserScopedAnalytics.appendOnlyLogs(env.fromData(1, 2));
    }

    @Test
    void rocksDbKeepsTheLogsAppendOnlyAndTheHeapBackendKeepsOneLogPerUser() {
        assertThat(appendOnly(JobOptions.StateBackend.ROCKSDB)).isTrue();
        assertThat(appendOnly(JobOptions.StateBackend.HASHMAP)).isFalse();
    }
}
