package io.sluice.jobs.analytics.backfill;

import io.sluice.common.change.ChangeRecord;

/**
 * What {@link PostgresChunkSource} emits: a row of a chunk, or (row {@code null}) the end of a
 * chunk, which {@link ChunkProgress} counts. A POJO: it crosses chained operators by copy.
 */
public class ChunkRead {
    /** The chunk's number, 0 for the range's first. */
    public long chunk;

    /** The row, as the CDC source would give it; {@code null} at the end of the chunk. */
    public ChangeRecord row;

    public ChunkRead() {}

    ChunkRead(long chunk, ChangeRecord row) {
        this.chunk = chunk;
        this.row = row;
    }

    public boolean isEnd() {
        return row == null;
    }

    @Override
    public String toString() {
        return isEnd() ? "end of chunk " + chunk : "chunk " + chunk + ": " + row;
    }
}
