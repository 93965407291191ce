package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.flink.api.connector.source.SplitsAssignment;
import org.apache.flink.api.connector.source.mocks.MockSplitEnumeratorContext;
import org.junit.jupiter.api.Test;

/**
 * Chunks go out one per request, in range order; a failed reader's chunks come back first; a
 * checkpoint holds exactly the chunks not handed out.
 */
class ChunkEnumeratorTest {
    private static final List<ChunkSplit> CHUNKS = ChunkSplit.cut(0, 4_000, 1_000);

    private static List<ChunkSplit> assigned(MockSplitEnumeratorContext<ChunkSplit> context) {
        return context.getSplitsAssignmentSequence().stream()
                .map(SplitsAssignment::assignment)
                .flatMap(a -> a.values().stream())
                .flatMap(List::stream)
                .toList();
    }

    @Test
    void handsOutOneChunkPerRequestThenNoMore() throws Exception {
        try (MockSplitEnumeratorContext<ChunkSplit> context = new MockSplitEnumeratorContext<>(2)) {
            ChunkEnumerator enumerator = new ChunkEnumerator(context, CHUNKS);
            for (int i = 0; i < 4; i++) {
                enumerator.handleSplitRequest(i % 2, null);
            }
            assertThat(assigned(context)).containsExactlyElementsOf(CHUNKS);
            assertThat(enumerator.snapshotState(1).pending()).isEmpty();
            enumerator.handleSplitRequest(1, null);
            assertThat(context.hasNoMoreSplits(1)).isTrue();
            assertThat(context.hasNoMoreSplits(0)).isFalse();
        }
    }

    @Test
    void aFailedReadersChunksComeBackFirst() throws Exception {
        try (MockSplitEnumeratorContext<ChunkSplit> context = new MockSplitEnumeratorContext<>(2)) {
            ChunkEnumerator enumerator = new ChunkEnumerator(context, CHUNKS);
            enumerator.handleSplitRequest(0, null);
            enumerator.handleSplitRequest(1, null);
            ChunkSplit resumed = CHUNKS.get(0).after("1970-01-01 00:00:00.5+00", "e-17");
            enumerator.addSplitsBack(List.of(resumed), 0);
            assertThat(enumerator.snapshotState(2).pending())
                    .containsExactly(resumed, CHUNKS.get(2), CHUNKS.get(3));
            enumerator.handleSplitRequest(1, null);
            assertThat(assigned(context)).last().isEqualTo(resumed);
        }
    }
}
