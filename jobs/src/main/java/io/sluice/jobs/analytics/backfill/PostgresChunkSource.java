package io.sluice.jobs.analytics.backfill;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The backfill's bounded source over the events table: the range cut into {@code occurred_at}
 * chunks ({@link ChunkSplit}), handed out by a {@link ChunkEnumerator} to parallel {@link
 * PostgresChunkReader}s, as Flink CDC's snapshot splitter does. Each chunk's rows, then its end,
 * are emitted as {@link ChunkRead}s. Unpaced: {@link RateLimitedSource} paces it.
 */
public final class PostgresChunkSource
        implements Source<ChunkRead, ChunkSplit, ChunkEnumeratorState>,
                ResultTypeQueryable<ChunkRead> {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final TableId table;
    private final String occurredAt;
    private final String eventId;
    private final long version;
    private final List<ChunkSplit> chunks;

    /**
     * @param occurredAt the event time column, whose range the chunks cut
     * @param eventId the events' unique key column, which orders rows within a chunk
     * @param version the version every row carries (the WAL position when the backfill started)
     */
    public PostgresChunkSource(
            SluiceConfig config,
            TableId table,
            String occurredAt,
            String eventId,
            long version,
            List<ChunkSplit> chunks) {
        this.config = config;
        this.table = table;
        this.occurredAt = occurredAt;
        this.eventId = eventId;
        this.version = version;
        this.chunks = List.copyOf(chunks);
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SplitEnumerator<ChunkSplit, ChunkEnumeratorState> createEnumerator(
            SplitEnumeratorContext<ChunkSplit> context) {
        return new ChunkEnumerator(context, chunks);
    }

    @Override
    public SplitEnumerator<ChunkSplit, ChunkEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<ChunkSplit> context, ChunkEnumeratorState state) {
        return new ChunkEnumerator(context, state.pending());
    }

    @Override
    public SourceReader<ChunkRead, ChunkSplit> createReader(SourceReaderContext context) {
        return new PostgresChunkReader(
                () -> new ChunkFetcher(config, table, occurredAt, eventId, version),
                context.getConfiguration(),
                context);
    }

    @Override
    public SimpleVersionedSerializer<ChunkSplit> getSplitSerializer() {
        return ChunkSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<ChunkEnumeratorState> getEnumeratorCheckpointSerializer() {
        return new ChunkEnumeratorStateSerializer();
    }

    @Override
    public TypeInformation<ChunkRead> getProducedType() {
        return TypeInformation.of(ChunkRead.class);
    }
}
