package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which refusals are one row's problem (a dead letter) and which fail the job. */
class MirrorDeadLettersTest {
    private static ClickHouseException refused(int code, boolean retryable) {
        return new ClickHouseException("INSERT INTO t", code, "refused", retryable, null);
    }

    @Test
    void aValueThatDoesNotParseIsARowError() {
        assertThat(MirrorDeadLetters.isRowError(refused(27, false))).isTrue(); // CANNOT_PARSE_INPUT
        assertThat(MirrorDeadLetters.isRowError(refused(53, false))).isTrue(); // TYPE_MISMATCH
    }

    /**
     * Denied access, on 18.16 (291) or newer servers (497), refuses every row alike: writing them
     * all as dead letters would hide an operator's mistake, so the job fails instead.
     */
    @Test
    void deniedAccessAndUnknownTablesAreNotRowErrors() {
        for (int code : new int[] {291, 497, 60, 16, 62}) {
            assertThat(MirrorDeadLetters.isRowError(refused(code, false)))
                    .as("code %d", code)
                    .isFalse();
        }
        assertThat(MirrorDeadLetters.isRowError(refused(159, true))).as("a timeout").isFalse();
    }
}
