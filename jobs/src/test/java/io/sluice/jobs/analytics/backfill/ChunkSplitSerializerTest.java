package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Chunks survive a checkpoint as they went in, the position of a resumed chunk included. */
class ChunkSplitSerializerTest {
    private static final ChunkSplitSerializer SERIALIZER = ChunkSplitSerializer.INSTANCE;

    private static ChunkSplit roundTrip(ChunkSplit split) throws IOException {
        return SERIALIZER.deserialize(SERIALIZER.getVersion(), SERIALIZER.serialize(split));
    }

    @Test
    void aFreshChunk() throws IOException {
        ChunkSplit split = new ChunkSplit(7, 1_795_000_000_000L, 1_795_003_600_000L);
        ChunkSplit back = roundTrip(split);
        assertThat(back).isEqualTo(split);
        assertThat(back.resumes()).isFalse();
        assertThat(back.splitId()).isEqualTo("7");
    }

    @Test
    void aChunkResumedAfterARow() throws IOException {
        ChunkSplit split =
                new ChunkSplit(0, 0, 3_600_000L)
                        .after(
                                "2026-11-20 00:12:03.123456+00",
                                "3f0c9b1e-8a47-4b7e-9c1d-2a5e6f7a8b9c");
        ChunkSplit back = roundTrip(split);
        assertThat(back).isEqualTo(split);
        assertThat(back.afterOccurredAt).isEqualTo("2026-11-20 00:12:03.123456+00");
        assertThat(back.afterEventId).isEqualTo("3f0c9b1e-8a47-4b7e-9c1d-2a5e6f7a8b9c");
    }

    @Test
    void refusesAVersionItDoesNotKnow() throws IOException {
        byte[] bytes = SERIALIZER.serialize(new ChunkSplit(1, 0, 1));
        assertThatThrownBy(() -> SERIALIZER.deserialize(2, bytes))
                .hasMessageContaining("unknown chunk split version 2");
    }

    @Test
    void cutsTheRangeWithAShorterLastChunk() {
        assertThat(ChunkSplit.cut(0, 2_500, 1_000))
                .containsExactly(
                        new ChunkSplit(0, 0, 1_000),
                        new ChunkSplit(1, 1_000, 2_000),
                        new ChunkSplit(2, 2_000, 2_500));
        assertThat(ChunkSplit.cut(0, 3_000, 1_000)).hasSize(3);
    }
}
