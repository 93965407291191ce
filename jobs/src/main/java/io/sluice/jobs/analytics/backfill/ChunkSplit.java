package io.sluice.jobs.analytics.backfill;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;
import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One chunk of a backfill from Postgres: the rows of the events table with {@code occurred_at} in
 * {@code [startMs, endMs)}, read in {@code (occurred_at, event id)} order. A split taken from a
 * checkpoint mid-chunk carries the key of the last row emitted before it ({@code afterOccurredAt},
 * {@code afterEventId}, both as Postgres prints them), and its reader goes on after that row: no
 * row of a chunk is emitted twice in one run, none is left out.
 */
public final class ChunkSplit implements SourceSplit, Serializable {
    private static final long serialVersionUID = 1L;

    final long chunk;
    final long startMs;
    final long endMs;
    final String afterOccurredAt;
    final String afterEventId;

    public ChunkSplit(long chunk, long startMs, long endMs) {
        this(chunk, startMs, endMs, null, null);
    }

    ChunkSplit(long chunk, long startMs, long endMs, String afterOccurredAt, String afterEventId) {
        if ((afterOccurredAt == null) != (afterEventId == null)) {
            throw new IllegalArgumentException(
                    "a chunk resumes after a whole key (occurred_at and event id), got "
                            + afterOccurredAt
                            + ", "
                            + afterEventId);
        }
        this.chunk = chunk;
        this.startMs = startMs;
        this.endMs = endMs;
        this.afterOccurredAt = afterOccurredAt;
        this.afterEventId = afterEventId;
    }

    /** The chunks of {@code [fromMs, toMs)}, each {@code chunkMs} long but the last. */
    public static java.util.List<ChunkSplit> cut(long fromMs, long toMs, long chunkMs) {
        java.util.List<ChunkSplit> chunks = new java.util.ArrayList<>();
        for (long i = 0; fromMs + i * chunkMs < toMs; i++) {
            long start = fromMs + i * chunkMs;
            chunks.add(new ChunkSplit(i, start, Math.min(toMs, start + chunkMs)));
        }
        return chunks;
    }

    /**
     * Chunks over slices counted in advance: {@code slices} holds each non-empty slice's index
     * (from {@code fromMs}, {@code sliceMs} long) and row count, in order. Consecutive slices are
     * read as one chunk until it holds {@code targetRows} rows, so a sparse past costs a few
     * queries instead of one per slice; slices with no rows are not read.
     */
    public static java.util.List<ChunkSplit> merge(
            long fromMs, long toMs, long sliceMs, java.util.List<long[]> slices, long targetRows) {
        java.util.List<ChunkSplit> chunks = new java.util.ArrayList<>();
        long start = -1;
        long rows = 0;
        for (int i = 0; i < slices.size(); i++) {
            long index = slices.get(i)[0];
            if (start < 0) {
                start = fromMs + index * sliceMs;
            }
            rows += slices.get(i)[1];
            boolean last = i == slices.size() - 1;
            if (rows >= targetRows || last) {
                long end = Math.min(toMs, fromMs + (index + 1) * sliceMs);
                chunks.add(new ChunkSplit(chunks.size(), start, end));
                start = -1;
                rows = 0;
            }
        }
        return chunks;
    }

    @Override
    public String splitId() {
        return Long.toString(chunk);
    }

    /** The same chunk, to be read on after the row with this key. */
    ChunkSplit after(String occurredAt, String eventId) {
        return new ChunkSplit(chunk, startMs, endMs, occurredAt, eventId);
    }

    boolean resumes() {
        return afterEventId != null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkSplit s
                && chunk == s.chunk
                && startMs == s.startMs
                && endMs == s.endMs
                && Objects.equals(afterOccurredAt, s.afterOccurredAt)
                && Objects.equals(afterEventId, s.afterEventId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(chunk, startMs, endMs, afterOccurredAt, afterEventId);
    }

    @Override
    public String toString() {
        return "chunk "
                + chunk
                + " ["
                + Instant.ofEpochMilli(startMs)
                + ", "
                + Instant.ofEpochMilli(endMs)
                + ")"
                + (resumes() ? " after (" + afterOccurredAt + ", " + afterEventId + ")" : "");
    }
}
