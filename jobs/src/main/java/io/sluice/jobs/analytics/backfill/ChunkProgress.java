package io.sluice.jobs.analytics.backfill;

import io.sluice.common.change.ChangeRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Counts a backfill's progress into accumulators (a source reader has none) and passes the rows on:
 * {@link #ROWS_READ} per row, {@link #CHUNKS_DONE} per chunk end. The counters restart with each
 * attempt after a failover.
 */
public final class ChunkProgress extends RichFlatMapFunction<ChunkRead, ChangeRecord> {
    private static final long serialVersionUID = 1L;

    /** Rows read by this attempt (both sources count into it). */
    public static final String ROWS_READ = "backfill-rows-read";

    /** Chunks read to their end by this attempt. */
    public static final String CHUNKS_DONE = "backfill-chunks-done";

    private transient LongCounter rowsRead;
    private transient LongCounter chunksDone;

    @Override
    public void open(OpenContext context) {
        rowsRead = getRuntimeContext().getLongCounter(ROWS_READ);
        chunksDone = getRuntimeContext().getLongCounter(CHUNKS_DONE);
    }

    @Override
    public void flatMap(ChunkRead read, Collector<ChangeRecord> out) {
        if (read.isEnd()) {
            chunksDone.add(1);
            return;
        }
        rowsRead.add(1);
        out.collect(read.row);
    }
}
