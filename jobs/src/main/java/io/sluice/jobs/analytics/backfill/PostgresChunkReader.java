package io.sluice.jobs.analytics.backfill;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.source.reader.SingleThreadMultiplexSourceReaderBase;

/**
 * A backfill reader: asks for a chunk, reads it (on its {@link ChunkFetcher}'s thread), asks for
 * the next. Its checkpointed state is the chunk it holds and the key of the last row it emitted, so
 * a restored reader neither emits a row again nor skips one.
 */
public final class PostgresChunkReader
        extends SingleThreadMultiplexSourceReaderBase<
                ChunkFetcher.Row, ChunkRead, ChunkSplit, PostgresChunkReader.Position> {

    /** A chunk being read and the key of its last row emitted (null: none yet). */
    static final class Position {
        final ChunkSplit split;
        String occurredAt;
        String eventId;

        Position(ChunkSplit split) {
            this.split = split;
            this.occurredAt = split.afterOccurredAt;
            this.eventId = split.afterEventId;
        }

        ChunkSplit toSplit() {
            return eventId == null ? split : split.after(occurredAt, eventId);
        }
    }

    PostgresChunkReader(
            Supplier<ChunkFetcher> fetcher, Configuration config, SourceReaderContext context) {
        super(fetcher::get, PostgresChunkReader::emit, config, context);
    }

    private static void emit(ChunkFetcher.Row row, SourceOutput<ChunkRead> out, Position p) {
        out.collect(new ChunkRead(p.split.chunk, row.change()));
        if (row.change() != null) {
            p.occurredAt = row.occurredAt();
            p.eventId = row.eventId();
        }
    }

    @Override
    public void start() {
        if (getNumberOfCurrentlyAssignedSplits() == 0) {
            context.sendSplitRequest();
        }
    }

    @Override
    protected void onSplitFinished(Map<String, Position> finished) {
        context.sendSplitRequest();
    }

    @Override
    protected Position initializedState(ChunkSplit split) {
        return new Position(split);
    }

    @Override
    protected ChunkSplit toSplitType(String splitId, Position position) {
        return position.toSplit();
    }
}
