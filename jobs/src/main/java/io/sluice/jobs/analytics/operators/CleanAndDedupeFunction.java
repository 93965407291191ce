package io.sluice.jobs.analytics.operators;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.CleanEventSerializer;
import io.sluice.jobs.analytics.model.DeadLetterRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventRow;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.LateEventRow;
import io.sluice.jobs.analytics.model.RowEncoder;
import io.sluice.jobs.analytics.model.StampedChange;
import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Keyed by event id: validates each events-table change, deduplicates it, and turns it into changes
 * of the counted set.
 *
 * <ul>
 *   <li>State: the event's current clean version (or a dead-letter mark), kept for {@code
 *       analytics.dedupe-ttl} of processing time after its last change.
 *   <li>A re-delivered event (same content) is dropped and counted in {@code sluiceDuplicates}.
 *   <li>A correction emits {@code -old}, {@code +new}; a delete emits {@code -old}.
 *   <li>Lateness, against the change's {@link StampedChange#watermarkMs}: an event older than
 *       watermark − repair horizon is written to analytics.events and analytics.late_events but not
 *       counted; a retraction that late is recorded in late_events and not applied. A delete of an
 *       event not in state is recorded there too ({@code unknown-delete}), unless it lies in the
 *       snapshot's catch-up ({@link ChangeRecord#snapshotCatchUp}): then the snapshot never
 *       delivered the row, and the delete is only counted ({@code sluiceSnapshotReplayedDeletes}).
 *   <li>Unusable rows go to analytics.dead_letters with the reason; a later correction that makes
 *       the row usable deletes that dead letter.
 *   <li>Rows for analytics.events, dead_letters and late_events go to the {@link #ROWS} side
 *       output, versioned by the change's LSN.
 * </ul>
 */
@Internal
public final class CleanAndDedupeFunction
        extends KeyedProcessFunction<String, StampedChange, EventDelta> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<AnalyticsRow> ROWS =
            new OutputTag<>("analytics-rows", TypeInformation.of(AnalyticsRow.class));

    private final EventParser parser;
    private final EventSchema schema;
    private final RowEncoder<EventRow> eventRows;
    private final long horizonMs;
    private final long ttlMs;
    private final boolean changesMayRepeat;

    private transient ValueState<CleanEvent> current;

    /** With {@link #changesMayRepeat}: the newest version applied to the event, deletes too. */
    private transient ValueState<Long> appliedVersion;

    private transient ValueState<Boolean> deadLettered;
    private transient Counter deadLetters;
    private transient Counter lateEvents;
    private transient Counter duplicates;
    private transient Counter corrections;
    private transient Counter deletes;
    private transient Counter replayedDeletes;

    public CleanAndDedupeFunction(
            EventSchema schema, long maxFutureSkewMs, long horizonMs, long ttlMs) {
        this(schema, maxFutureSkewMs, horizonMs, ttlMs, false);
    }

    /**
     * @param changesMayRepeat whether a change can arrive again after newer ones within one state
     *     lineage: from Kafka, an at-least-once connector re-sends what it sent before its crash.
     *     Such a change (a version not above the one applied) is then dropped as a duplicate, so it
     *     is not judged again against a clock that has moved on. From the slot, a restore rewinds
     *     the state with the stream, and this costs nothing.
     */
    public CleanAndDedupeFunction(
            EventSchema schema,
            long maxFutureSkewMs,
            long horizonMs,
            long ttlMs,
            boolean changesMayRepeat) {
        this.changesMayRepeat = changesMayRepeat;
        this.schema = schema;
        this.parser = new EventParser(schema, maxFutureSkewMs);
        this.eventRows = EventRow.encoder(schema.promoted());
        this.horizonMs = horizonMs;
        this.ttlMs = ttlMs;
    }

    static ValueStateDescriptor<CleanEvent> currentDescriptor() {
        // One block per value (CleanEventSerializer); restores what the POJO serializer wrote.
        return new ValueStateDescriptor<>("current-event", new CleanEventSerializer());
    }

    /**
     * The TTL of a value every event has (its clean version): on the heap backend, each access
     * checks a few entries of the table for expiry (Flink's incremental cleanup), so expired ids
     * leave memory as new events arrive; RocksDB drops them in compaction.
     */
    static StateTtlConfig denseTtl(long ttlMs) {
        return ttlBuilder(ttlMs).build();
    }

    /**
     * The TTL of a value few events have (the dead-letter mark): no cleanup on access. Flink's
     * incremental cleanup walks the table's per-key-group maps to find entries to check, and with a
     * table that is empty or nearly so, each access walked every one of them: a third of the
     * operator's CPU and half of its garbage in a profile of the benchmark's catch-up. An expired
     * mark is never returned, is left out of every full snapshot (so a restore drops it) and is
     * removed when read; on RocksDB, compaction drops it.
     */
    static StateTtlConfig sparseTtl(long ttlMs) {
        return ttlBuilder(ttlMs)
                .disableCleanupInBackground()
                .cleanupFullSnapshot()
                .cleanupInRocksdbCompactFilter(1000)
                .build();
    }

    private static StateTtlConfig.Builder ttlBuilder(long ttlMs) {
        return StateTtlConfig.newBuilder(Duration.ofMillis(ttlMs))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired);
    }

    @Override
    public void open(OpenContext openContext) {
        ValueStateDescriptor<CleanEvent> currentDesc = currentDescriptor();
        currentDesc.enableTimeToLive(denseTtl(ttlMs));
        current = getRuntimeContext().getState(currentDesc);
        ValueStateDescriptor<Boolean> deadDesc =
                new ValueStateDescriptor<>("dead-lettered", Types.BOOLEAN);
        deadDesc.enableTimeToLive(sparseTtl(ttlMs));
        deadLettered = getRuntimeContext().getState(deadDesc);
        if (changesMayRepeat) {
            ValueStateDescriptor<Long> appliedDesc =
                    new ValueStateDescriptor<>("applied-version", Types.LONG);
            appliedDesc.enableTimeToLive(denseTtl(ttlMs));
            appliedVersion = getRuntimeContext().getState(appliedDesc);
        }
        var metrics = getRuntimeContext().getMetricGroup();
        deadLetters = metrics.counter("sluiceDeadLetters");
        lateEvents = metrics.counter("sluiceLateEvents");
        duplicates = metrics.counter("sluiceDuplicates");
        corrections = metrics.counter("sluiceCorrections");
        deletes = metrics.counter("sluiceDeletes");
        replayedDeletes = metrics.counter("sluiceSnapshotReplayedDeletes");
    }

    @Override
    public void processElement(StampedChange stamped, Context ctx, Collector<EventDelta> out)
            throws Exception {
        ChangeRecord change = stamped.change;
        long version = change.lsn();
        if (appliedVersion != null) {
            Long applied = appliedVersion.value();
            if (applied != null && version <= applied) {
                duplicates.inc(); // sent again, after newer changes of the event
                return;
            }
            appliedVersion.update(version);
        }
        CleanEvent old = current.value();
        if (change.isDelete()) {
            deletes.inc();
            if (old != null) {
                row(ctx, stamped, eventRow(old, version, true));
                retract(old, stamped, ctx, out);
                current.clear();
            } else if (Boolean.TRUE.equals(deadLettered.value())) {
                row(ctx, stamped, deadLetterRow(change, "", version, true));
                deadLettered.clear();
            } else if (change.snapshotCatchUp()) {
                // Deleted before the snapshot chunk of the row was read: the snapshot never
                // delivered it, and nothing it could have fed exists.
                replayedDeletes.inc();
            } else {
                // Never seen, or forgotten after the dedupe TTL: nothing it fed can be found.
                lateEvents.inc();
                row(ctx, stamped, lateRow(ctx.getCurrentKey(), null, stamped, "unknown-delete"));
            }
            return;
        }
        EventParser.Result result = parser.parse(change, old, commitTime(change));
        if (result.event() == null) {
            deadLetters.inc();
            if (old != null) {
                row(ctx, stamped, eventRow(old, version, true));
                retract(old, stamped, ctx, out);
                current.clear();
            }
            row(ctx, stamped, deadLetterRow(change, result.reason(), version, false));
            deadLettered.update(true);
            return;
        }
        CleanEvent event = result.event();
        if (Boolean.TRUE.equals(deadLettered.value())) {
            row(ctx, stamped, deadLetterRow(change, "", version, true));
            deadLettered.clear();
        }
        if (old != null && old.sameContent(event)) {
            duplicates.inc();
            return;
        }
        event.counted =
                change.op() == ChangeRecord.Op.SNAPSHOT
                        || !isLate(event.occurredAtMs(), stamped.watermarkMs);
        if (old != null) {
            corrections.inc();
            EventRow tombstone = EventRow.of(old, version, true);
            if (!tombstone.key().equals(EventRow.of(event, version, false).key())) {
                row(ctx, stamped, eventRows.encode(tombstone));
            }
            retract(old, stamped, ctx, out);
        }
        row(ctx, stamped, eventRow(event, version, false));
        if (event.counted) {
            out.collect(new EventDelta(1, event, version));
        } else {
            lateEvents.inc();
            row(ctx, stamped, lateRow(event.eventId, event, stamped, "event"));
        }
        current.update(event);
    }

    /**
     * The "now" of a change: its commit time (for snapshot rows, the time of the run's snapshot
     * anchor). Records without one (from a release before commit times) fall back to the wall
     * clock.
     */
    static long commitTime(ChangeRecord change) {
        return change.commitMs() != 0 ? change.commitMs() : System.currentTimeMillis();
    }

    private boolean isLate(long eventTimeMs, long watermarkMs) {
        return watermarkMs != Long.MIN_VALUE && eventTimeMs < watermarkMs - horizonMs;
    }

    private void retract(
            CleanEvent old, StampedChange stamped, Context ctx, Collector<EventDelta> out) {
        if (!old.counted) {
            return;
        }
        if (stamped.change.op() != ChangeRecord.Op.SNAPSHOT
                && isLate(old.occurredAtMs(), stamped.watermarkMs)) {
            lateEvents.inc();
            row(ctx, stamped, lateRow(old.eventId, old, stamped, "retraction"));
        } else {
            out.collect(new EventDelta(-1, old, stamped.change.lsn()));
        }
    }

    /** A row for the ROWS side output, marked when its change is a snapshot row. */
    private static void row(Context ctx, StampedChange stamped, AnalyticsRow row) {
        row.fromSnapshot = stamped.change.op() == ChangeRecord.Op.SNAPSHOT;
        ctx.output(ROWS, row);
    }

    private AnalyticsRow eventRow(CleanEvent e, long version, boolean deleted) {
        return eventRows.encode(EventRow.of(e, version, deleted));
    }

    private AnalyticsRow deadLetterRow(
            ChangeRecord change, String reason, long version, boolean deleted) {
        String table = schema.table().toString();
        String eventId = schema.eventId(change);
        return new DeadLetterRow(
                        table,
                        eventId,
                        reason,
                        deleted ? "" : EventParser.rawRow(change),
                        version,
                        deleted)
                .encode();
    }

    private static AnalyticsRow lateRow(
            String eventId, CleanEvent e, StampedChange stamped, String kind) {
        return new LateEventRow(
                        eventId,
                        e == null ? "" : e.userId,
                        e == null ? 0 : e.occurredAtUs,
                        e == null ? "" : e.eventName,
                        stamped.watermarkMs,
                        kind,
                        stamped.change.lsn())
                .encode();
    }
}
