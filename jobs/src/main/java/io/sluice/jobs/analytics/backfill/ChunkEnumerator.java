package io.sluice.jobs.analytics.backfill;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Hands out the chunks one at a time, in range order, to whichever reader asks (a reader asks when
 * it starts with nothing to read and when it finishes a chunk), so faster readers take more chunks.
 * Chunks a failed reader held since the last checkpoint come back first.
 */
public final class ChunkEnumerator implements SplitEnumerator<ChunkSplit, ChunkEnumeratorState> {
    private final SplitEnumeratorContext<ChunkSplit> context;
    private final Deque<ChunkSplit> pending;

    ChunkEnumerator(SplitEnumeratorContext<ChunkSplit> context, List<ChunkSplit> pending) {
        this.context = context;
        this.pending = new ArrayDeque<>(pending);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtask, String requesterHostname) {
        ChunkSplit next = pending.pollFirst();
        if (next == null) {
            context.signalNoMoreSplits(subtask);
        } else {
            context.assignSplit(next, subtask);
        }
    }

    @Override
    public void addSplitsBack(List<ChunkSplit> splits, int subtask) {
        for (int i = splits.size() - 1; i >= 0; i--) {
            pending.addFirst(splits.get(i));
        }
    }

    @Override
    public void addReader(int subtask) {
        // readers ask for chunks themselves
    }

    @Override
    public ChunkEnumeratorState snapshotState(long checkpointId) {
        return new ChunkEnumeratorState(new ArrayList<>(pending));
    }

    @Override
    public void close() {}
}
