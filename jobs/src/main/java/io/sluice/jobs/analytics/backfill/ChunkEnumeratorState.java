package io.sluice.jobs.analytics.backfill;

import java.util.List;

/**
 * The enumerator's checkpoint: the chunks not yet handed to a reader (a chunk a reader holds is in
 * that reader's state instead, and comes back here if the reader fails before a checkpoint).
 */
public record ChunkEnumeratorState(List<ChunkSplit> pending) {
    public ChunkEnumeratorState {
        pending = List.copyOf(pending);
    }
}
