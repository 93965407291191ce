package io.sluice.connector.clickhouse.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SinkVersionsTest {
    @Test
    void aVersionIsTheGenerationAboveFortyBitsOfSequence() {
        assertThat(SinkVersions.version(1, 0)).isEqualTo(1L << 40);
        assertThat(SinkVersions.version(3, 5)).isEqualTo(3L * 1_099_511_627_776L + 5);
        assertThat(SinkVersions.generationOf(SinkVersions.version(3, 5))).isEqualTo(3);
        assertThat(SinkVersions.generationOf(0)).isZero();
    }

    @Test
    void versionsGrowByOneWithinAGeneration() {
        SinkVersions versions = new SinkVersions(7);
        long first = versions.next();
        long second = versions.next();
        long third = versions.next();
        assertThat(first).isEqualTo(7L << 40);
        assertThat(second).isEqualTo(first + 1);
        assertThat(third).isEqualTo(first + 2);
        assertThat(versions.used()).isEqualTo(3);
    }

    @Test
    void everyVersionOfALaterGenerationIsAboveEveryVersionOfAnEarlierOne() {
        long lastOfEarlier = SinkVersions.version(4, SinkVersions.MAX_SEQUENCE);
        long firstOfLater = new SinkVersions(SinkVersions.nextGeneration(4)).next();
        assertThat(Long.compareUnsigned(firstOfLater, lastOfEarlier)).isPositive();
    }

    @Test
    void theHighestGenerationsCompareAsUnsigned() {
        // From generation 2^23 on the top bit is set: a negative long, a large UInt64.
        long high = SinkVersions.version(SinkVersions.MAX_GENERATION, 0);
        long lower =
                SinkVersions.version(SinkVersions.MAX_GENERATION - 1, SinkVersions.MAX_SEQUENCE);
        assertThat(high).isNegative();
        assertThat(Long.compareUnsigned(high, lower)).isPositive();
        assertThat(Long.toUnsignedString(high)).isEqualTo("18446742974197923840");
        assertThat(SinkVersions.generationOf(high)).isEqualTo(SinkVersions.MAX_GENERATION);
    }

    @Test
    void theFirstGenerationIsOneAndEachStartTakesTheNext() {
        assertThat(SinkVersions.nextGeneration(0)).isEqualTo(1);
        assertThat(SinkVersions.nextGeneration(41)).isEqualTo(42);
    }

    @Test
    void failsWhenTheGenerationsAreUsedUp() {
        assertThat(SinkVersions.nextGeneration(SinkVersions.MAX_GENERATION - 1))
                .isEqualTo(16_777_215L);
        assertThatThrownBy(() -> SinkVersions.nextGeneration(SinkVersions.MAX_GENERATION))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("generations are used up")
                .hasMessageContaining("16777215");
        assertThatThrownBy(() -> new SinkVersions(1L << 24))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SinkVersions(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void failsRatherThanWrapWhenTheSequenceIsUsedUp() {
        SinkVersions versions = new SinkVersions(2, SinkVersions.MAX_SEQUENCE);
        assertThat(versions.next()).isEqualTo((2L << 40) | SinkVersions.MAX_SEQUENCE);
        assertThatThrownBy(versions::next)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("40 sequence bits")
                .hasMessageContaining("generation 2");
        assertThatThrownBy(() -> SinkVersions.version(2, SinkVersions.MAX_SEQUENCE + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
