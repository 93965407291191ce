package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StageCpuTest {
    @Test
    void threadsAreGroupedByTaskOrPool() {
        assertThat(StageCpu.stage("sessionize (2/2)#0")).isEqualTo("sessionize");
        assertThat(StageCpu.stage("Source: postgres-cdc -> events-only (1/2)#3"))
                .isEqualTo("Source: postgres-cdc -> events-only");
        assertThat(StageCpu.stage("AsyncOperations-thread-7"))
                .isEqualTo("checkpoint async snapshots");
        assertThat(StageCpu.stage("debezium-reader-0")).isEqualTo("debezium-reader");
        assertThat(StageCpu.stage("C2 CompilerThread0")).isEqualTo("JIT compiler");
    }
}
