package io.sluice.jobs.analytics.sink;

import io.sluice.common.clickhouse.BatchSender;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Writes analytics rows to ClickHouse with exactly-once results, never waiting for ClickHouse on
 * the task thread. Two paths by table:
 *
 * <ul>
 *   <li><b>Early</b> ({@code events}, {@code dead_letters}, {@code late_events}): each row is
 *       versioned by its change's LSN and is a deterministic function of that change and the
 *       checkpointed state before it, so a replay writes the same row with the same version. They
 *       are handed to the sender at every {@code sink.flush-interval}, at {@code sink.batch-rows},
 *       and before every checkpoint barrier: freshness is the flush interval. Not so the rows of
 *       snapshot rows ({@link AnalyticsRow#fromSnapshot}): a restore may read their chunk again and
 *       no longer find a row, so they take the other path.
 *   <li><b>On checkpoint completion</b> (rollups and sessions): a row's content depends on how
 *       parallel operators' changes met, which a replay need not repeat, so only rows of
 *       checkpointed state may reach ClickHouse. The newest row per key is encoded before the
 *       barrier of checkpoint N, kept (and checkpointed) until N completes, and then handed to the
 *       sender. A restored operator's batches all belong to the restored, completed checkpoint or
 *       an earlier one, so it hands them over at once; writing a batch twice is harmless.
 * </ul>
 *
 * <p>The {@link BatchSender} writes on its own thread, in order; every batch it has not written yet
 * is in the operator's state. So checkpoints complete while ClickHouse is slow or away (before, a
 * Sink V2 committer inserted the rollups on the task thread when a checkpoint completed, and an
 * outage stalled every checkpoint after it).
 */
@Internal
public final class AnalyticsSinkOperator extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<AnalyticsRow, Void> {
    private static final long serialVersionUID = 1L;

    static final Set<String> EARLY =
            Set.of(
                    AnalyticsTables.EVENTS,
                    AnalyticsTables.DEAD_LETTERS,
                    AnalyticsTables.LATE_EVENTS);

    private static final ListStateDescriptor<byte[]> UNWRITTEN =
            new ListStateDescriptor<>("unwritten-batches", BytePrimitiveArraySerializer.INSTANCE);

    /** Makes the sender's write function (a test's fake ClickHouse, or the real inserter). */
    @FunctionalInterface
    interface Inserts extends Serializable {
        BatchSender.Send<AnalyticsBatch> open(AnalyticsSinkOperator operator);
    }

    private final SluiceConfig config;
    private final HashMap<String, List<String>> columns = new HashMap<>();
    private final Inserts inserts;

    private transient MailboxExecutor mailbox;
    private transient Map<String, LinkedHashMap<String, AnalyticsRow>> pending;
    private transient Map<String, LinkedHashMap<String, AnalyticsRow>> early;
    private transient TreeMap<Long, List<AnalyticsBatch>> awaitingCompletion;
    private transient List<AnalyticsBatch> restored;
    private transient ListState<byte[]> unwrittenState;
    private transient BatchSender<AnalyticsBatch> sender;
    private transient AnalyticsInserter inserter;
    private transient Counter rowsCollapsed;
    private transient int earlyRows;
    private transient int batchRows;
    private transient long flushIntervalMs;
    private transient boolean finished;

    public AnalyticsSinkOperator(SluiceConfig config, List<AnalyticsTables.Table> tables) {
        this(config, tables, AnalyticsSinkOperator::clickHouseInserts);
    }

    AnalyticsSinkOperator(
            SluiceConfig config, List<AnalyticsTables.Table> tables, Inserts inserts) {
        this.config = config;
        for (AnalyticsTables.Table t : tables) {
            columns.put(t.name(), t.columnNames());
        }
        this.inserts = inserts;
    }

    private static BatchSender.Send<AnalyticsBatch> clickHouseInserts(AnalyticsSinkOperator op) {
        op.inserter =
                new AnalyticsInserter(
                        op.config, op.getMetricGroup(), "sluiceRowsWritten", "sluiceRetries");
        return op.inserter::insert;
    }

    Map<String, List<String>> columns() {
        return columns;
    }

    @Override
    public void setMailboxExecutor(MailboxExecutor mailboxExecutor) {
        super.setMailboxExecutor(mailboxExecutor);
        this.mailbox = mailboxExecutor;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        unwrittenState = context.getOperatorStateStore().getListState(UNWRITTEN);
        restored = new ArrayList<>();
        AnalyticsBatch.Serializer serializer = new AnalyticsBatch.Serializer();
        for (byte[] b : unwrittenState.get()) {
            restored.add(serializer.deserialize(AnalyticsBatch.Serializer.VERSION, b));
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        pending = new HashMap<>();
        early = new HashMap<>();
        awaitingCompletion = new TreeMap<>();
        rowsCollapsed = getMetricGroup().counter("sluiceRowsReplacedBeforeCommit");
        batchRows = config.get(ClickHouseSinkOptions.BATCH_ROWS);
        flushIntervalMs = config.get(ClickHouseSinkOptions.FLUSH_INTERVAL).toMillis();
        sender =
                BatchSender.create(
                        "sluice-analytics-writer",
                        inserts.open(this),
                        mailbox,
                        AnalyticsBatch::rows,
                        config.get(ClickHouseSinkOptions.MAX_PENDING_ROWS));
        getMetricGroup().gauge("sluicePendingBatches", sender::pending);
        for (AnalyticsBatch batch : restored) {
            sender.submit(batch); // of the restored checkpoint or earlier: complete
        }
        restored = null;
        scheduleFlush();
    }

    private void scheduleFlush() {
        getProcessingTimeService()
                .registerTimer(
                        getProcessingTimeService().getCurrentProcessingTime() + flushIntervalMs,
                        t -> {
                            if (!finished) {
                                flushEarly();
                                scheduleFlush();
                            }
                        });
    }

    @Override
    public void processElement(StreamRecord<AnalyticsRow> element) throws Exception {
        sender.rethrowFailure();
        AnalyticsRow row = element.getValue();
        if (!columns.containsKey(row.table)) {
            throw new IllegalArgumentException("no analytics table named " + row.table);
        }
        boolean isEarly = EARLY.contains(row.table) && !row.fromSnapshot;
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
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        // Before the barrier: the checkpoint covers every row it precedes, written or in state.
        flushEarly();
        List<AnalyticsBatch> batches = encode(pending);
        pending.clear();
        if (!batches.isEmpty()) {
            awaitingCompletion.put(checkpointId, batches);
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        sender.rethrowFailure();
        AnalyticsBatch.Serializer serializer = new AnalyticsBatch.Serializer();
        List<byte[]> unwritten = new ArrayList<>();
        for (AnalyticsBatch b : sender.unacknowledged()) {
            unwritten.add(serializer.serialize(b));
        }
        for (List<AnalyticsBatch> batches : awaitingCompletion.values()) {
            for (AnalyticsBatch b : batches) {
                unwritten.add(serializer.serialize(b));
            }
        }
        unwrittenState.update(unwritten);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        var complete = awaitingCompletion.headMap(checkpointId, true);
        for (List<AnalyticsBatch> batches : List.copyOf(complete.values())) {
            for (AnalyticsBatch b : batches) {
                sender.submit(b);
            }
        }
        complete.clear();
        if (finished && awaitingCompletion.isEmpty()) {
            sender.awaitAllWritten(); // the final checkpoint: all is written before the end
        }
    }

    @Override
    public void finish() throws Exception {
        // End of a bounded input (a backfill): the final checkpoint's completion writes the rest;
        // without checkpoints there is no rollback to guard against, so they are written now.
        flushEarly();
        finished = true;
        if (!getContainingTask().getConfiguration().isCheckpointingEnabled()) {
            for (AnalyticsBatch b : encode(pending)) {
                sender.submit(b);
            }
            pending.clear();
            sender.awaitAllWritten();
        }
        super.finish();
    }

    private void flushEarly() throws InterruptedException {
        for (AnalyticsBatch batch : encode(early)) {
            sender.submit(batch);
        }
        early.clear();
        earlyRows = 0;
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
    public void close() throws Exception {
        try {
            if (sender != null) {
                sender.close();
            }
        } finally {
            if (inserter != null) {
                inserter.close();
            }
            super.close();
        }
    }
}
