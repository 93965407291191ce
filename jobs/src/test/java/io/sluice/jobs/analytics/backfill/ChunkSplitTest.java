package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How a range is cut into chunks: by time, and over counted slices by rows. */
class ChunkSplitTest {
    private static final long H = 3_600_000;

    @Test
    void cutsARangeIntoSlices() {
        assertThat(ChunkSplit.cut(0, 5 * H / 2, H))
                .containsExactly(
                        new ChunkSplit(0, 0, H),
                        new ChunkSplit(1, H, 2 * H),
                        new ChunkSplit(2, 2 * H, 5 * H / 2));
    }

    @Test
    void mergesSparseSlicesAndSkipsEmptyOnes() {
        // Slices 0, 1 and 5 are sparse, 6 is dense on its own, 9 ends the range early.
        List<long[]> slices =
                List.of(
                        new long[] {0, 10},
                        new long[] {1, 20},
                        new long[] {5, 80},
                        new long[] {6, 500},
                        new long[] {9, 3});
        assertThat(ChunkSplit.merge(0, 19 * H / 2, H, slices, 100))
                .containsExactly(
                        new ChunkSplit(0, 0, 6 * H), // 10 + 20 + 80 rows, empty 2..4 inside
                        new ChunkSplit(1, 6 * H, 7 * H),
                        new ChunkSplit(2, 9 * H, 19 * H / 2)); // empty 7, 8 not read
        assertThat(ChunkSplit.merge(0, H, H, List.of(), 100)).isEmpty();
    }
}
