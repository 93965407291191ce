package io.sluice.jobs.analytics.sink;

import io.sluice.common.clickhouse.BatchSender;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Two paths by table:
 *
 * <ul>
 *   <li><b>Early</b> ({@code events}, {@code dead_letters}, {@code late_events}): each row is
 *       versioned by its change's LSN and is a deterministic function of that change and the
 *       checkpointed state before it, so a replay after a restore writes the same row with the same
 *       version. These rows are handed to a {@link BatchSender} at every {@code
 *       sink.flush-interval}, at {@code sink.batch-rows}, and before every checkpoint barrier, as
 *       the mirror does: freshness is the flush interval, not the checkpoint interval. The sender
 *       writes them on its own thread; batches it has not written when a checkpoint is taken are
 *       the writer's state, written again by a restored writer, so a checkpoint never waits for
 *       ClickHouse.
 *   <li><b>On commit</b> (rollups and sessions): a row's content depends on how parallel operators'
 *       changes met, which a replay need not repeat, so the newest row per key since the last
 *       checkpoint becomes a committable, inserted when the checkpoint completes.
 * </ul>
 */
public final class AnalyticsSinkWriter
        implements CommittingSinkWriter<AnalyticsRow, AnalyticsBatch>,
                StatefulSinkWriter<AnalyticsRow, AnalyticsBatch> {
    static final Set<String> EARLY =
            Set.of(
                    AnalyticsTables.EVENTS,
                    AnalyticsTables.DEAD_LETTERS,
                    AnalyticsTables.LATE_EVENTS);

    private final Map<String, List<String>> columns;
    private final Map<String, LinkedHashMap<String, AnalyticsRow>> pending = new HashMap<>();
    private final Map<String, LinkedHashMap<String, AnalyticsRow>> early = new HashMap<>();
    private final Counter rowsCollapsed;
    private final AnalyticsInserter inserter;
    private final BatchSender<AnalyticsBatch> sender;
    private final ProcessingTimeService time;
    private final long flushIntervalMs;
    private final int batchRows;
    private int earlyRows;

    AnalyticsSinkWriter(
            Map<String, List<String>> columns,
            WriterInitContext context,
            SluiceConfig config,
            Collection<AnalyticsBatch> restored)
            throws InterruptedException {
        SinkWriterMetricGroup metrics = context.metricGroup();
        this.columns = columns;
        this.rowsCollapsed = metrics.counter("sluiceRowsReplacedBeforeCommit");
        this.inserter =
                new AnalyticsInserter(
                        config, metrics, "sluiceRowsWrittenEarly", "sluiceEarlyRetries");
        this.time = context.getProcessingTimeService();
        this.flushIntervalMs = config.get(ClickHouseSinkOptions.FLUSH_INTERVAL).toMillis();
        this.batchRows = config.get(ClickHouseSinkOptions.BATCH_ROWS);
        this.sender =
                BatchSender.create(
                        "sluice-analytics-writer",
                        inserter::insert,
                        context.getMailboxExecutor(),
                        config.get(ClickHouseSinkOptions.MAX_PENDING_BATCHES));
        metrics.gauge("sluicePendingBatches", sender::pending);
        for (AnalyticsBatch batch : restored) {
            sender.submit(batch);
        }
        scheduleFlush();
    }

    private void scheduleFlush() {
        time.registerTimer(
                time.getCurrentProcessingTime() + flushIntervalMs,
                t -> {
                    flushEarly();
                    scheduleFlush();
                });
    }

    @Override
    public void write(AnalyticsRow row, Context context) throws InterruptedException {
        sender.rethrowFailure();
        if (!columns.containsKey(row.table)) {
            throw new IllegalArgumentException("no analytics table named " + row.table);
        }
        boolean isEarly = EARLY.contains(row.table);
        LinkedHashMap<String, AnalyticsRow> rows =
                (isEarly ? early : pending).computeIfAbsent(row.table, t -> new LinkedHashMap<>());
        AnalyticsRow before = rows.get(row.key);
        if (before == null || before.version <= row.version) {
            rows.put(row.key, row);
        }
        if (before != null) {
            rowsCollapsed.inc();
        } else if (isEarly && ++earlyRows >= batchRows) {
            flushEarly();
        }
    }

    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        // Before the checkpoint barrier: the checkpoint then covers every early row it precedes,
        // written or in the writer's state.
        flushEarly();
        if (endOfInput) {
            sender.awaitAtMost(0);
        }
    }

    @Override
    public List<AnalyticsBatch> snapshotState(long checkpointId) {
        sender.rethrowFailure();
        return sender.unacknowledged();
    }

    private void flushEarly() throws InterruptedException {
        for (AnalyticsBatch batch : encode(early)) {
            sender.submit(batch);
        }
        early.clear();
        earlyRows = 0;
    }

    @Override
    public Collection<AnalyticsBatch> prepareCommit() {
        List<AnalyticsBatch> batches = encode(pending);
        pending.clear();
        return batches;
    }

    private List<AnalyticsBatch> encode(Map<String, LinkedHashMap<String, AnalyticsRow>> tables) {
        List<AnalyticsBatch> batches = new ArrayList<>();
        for (Map.Entry<String, LinkedHashMap<String, AnalyticsRow>> e : tables.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            ByteArrayOutputStream tsv = new ByteArrayOutputStream();
            for (AnalyticsRow row : e.getValue().values()) {
                encode(row, tsv);
            }
            batches.add(
                    new AnalyticsBatch(
                            e.getKey(),
                            columns.get(e.getKey()),
                            e.getValue().size(),
                            tsv.toByteArray()));
        }
        return batches;
    }

    static void encode(AnalyticsRow row, ByteArrayOutputStream out) {
        for (int i = 0; i < row.fields.length; i++) {
            if (i > 0) {
                out.write('\t');
            }
            String f = row.fields[i];
            if (f == null) {
                out.write('\\');
                out.write('N');
            } else {
                TsvCodec.escape(f, out);
            }
        }
        out.write('\n');
    }

    @Override
    public void close() {
        try {
            sender.close();
        } finally {
            inserter.close();
        }
    }
}
