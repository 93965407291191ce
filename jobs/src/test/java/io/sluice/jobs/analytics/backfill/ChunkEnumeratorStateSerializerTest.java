package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The enumerator's pending chunks survive a checkpoint, in order, resumed ones included. */
class ChunkEnumeratorStateSerializerTest {
    private final ChunkEnumeratorStateSerializer serializer = new ChunkEnumeratorStateSerializer();

    private ChunkEnumeratorState roundTrip(ChunkEnumeratorState state) throws IOException {
        return serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
    }

    @Test
    void noChunksLeft() throws IOException {
        assertThat(roundTrip(new ChunkEnumeratorState(List.of())).pending()).isEmpty();
    }

    @Test
    void pendingChunksInOrder() throws IOException {
        List<ChunkSplit> pending =
                List.of(
                        new ChunkSplit(4, 0, 1_000).after("2026-11-20 00:00:00+00", "17"),
                        new ChunkSplit(2, 1_000, 2_000),
                        new ChunkSplit(9, 2_000, 2_500));
        assertThat(roundTrip(new ChunkEnumeratorState(pending)).pending())
                .containsExactlyElementsOf(pending);
    }
}
