package io.sluice.jobs.analytics.backfill;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimitedSourceReader;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Another source with each reader held to at most {@code recordsPerSecond} (a backfill's {@code
 * --max-rows-per-second}, so it need not crowd the database it reads): Flink's {@link
 * RateLimitedSourceReader} over the source's own readers. A reader over its rate answers "nothing
 * available" until a permit, acquired on the limiter's own thread, is granted: the task thread
 * never sleeps, and checkpoint barriers pass while it waits. Splits, enumerator and checkpoints are
 * the wrapped source's.
 */
public final class RateLimitedSource<T, S extends SourceSplit, E>
        implements Source<T, S, E>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final Source<T, S, E> source;
    private final TypeInformation<T> type;
    private final long recordsPerSecond;

    public RateLimitedSource(
            Source<T, S, E> source, TypeInformation<T> type, long recordsPerSecond) {
        if (recordsPerSecond <= 0) {
            throw new IllegalArgumentException(
                    "a rate limit is a positive number of records a second, got "
                            + recordsPerSecond);
        }
        this.source = source;
        this.type = type;
        this.recordsPerSecond = recordsPerSecond;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context)
            throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E state)
            throws Exception {
        return source.restoreEnumerator(context, state);
    }

    @Override
    public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
        return new RateLimitedSourceReader<>(
                source.createReader(context), new GuavaRateLimiter(recordsPerSecond));
    }

    @Override
    public SimpleVersionedSerializer<S> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }
}
