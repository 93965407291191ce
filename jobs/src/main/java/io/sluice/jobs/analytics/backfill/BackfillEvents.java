package io.sluice.jobs.analytics.backfill;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventDeltaSerializer;
import io.sluice.jobs.analytics.model.EventRow;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.RowEncoder;
import io.sluice.jobs.analytics.operators.CleanAndDedupeFunction;
import io.sluice.jobs.analytics.operators.EventParser;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The backfill's events: each row (the current version of an event) in the range becomes an
 * analytics.events row and a {@code +1} for the window rollups; a final delete (archive replay)
 * becomes a tombstone. Every usable event read, in the range or not, is also a {@code +1} on {@link
 * #HISTORY} for the user-scoped tables, when they are rebuilt. Rows that are not usable events are
 * counted and left out (the streaming job keeps dead_letters).
 */
public final class BackfillEvents extends ProcessFunction<ChangeRecord, EventDelta> {
    private static final long serialVersionUID = 1L;
    public static final String EVENTS = "backfill-events";
    static final String SKIPPED = "backfill-not-usable";

    /** Every usable event read (the replayed history), at the user-scoped tables' version. */
    public static final OutputTag<EventDelta> HISTORY =
            new OutputTag<>("backfill-history", EventDeltaSerializer.TYPE);

    private final EventSchema schema;
    private final long maxFutureSkewMs;
    private final long fromUs;
    private final long toUs;

    /** The version of every row, or -1: each change's own WAL position (archive replay). */
    private final long version;

    /** The version of the {@link #HISTORY} deltas, or -1: none (only the range is rebuilt). */
    private final long historyVersion;

    private final long historyToUs;

    private final RowEncoder<EventRow> eventRows;
    private transient EventParser parser;
    private transient LongCounter events;
    private transient LongCounter skipped;

    BackfillEvents(
            EventSchema schema,
            long maxFutureSkewMs,
            long fromMs,
            long toMs,
            long version,
            long historyToMs,
            long historyVersion) {
        this.schema = schema;
        this.maxFutureSkewMs = maxFutureSkewMs;
        this.fromUs = fromMs * 1000;
        this.toUs = toMs * 1000;
        this.version = version;
        this.historyToUs = historyToMs * 1000;
        this.historyVersion = historyVersion;
        this.eventRows = EventRow.encoder(schema.promoted());
    }

    @Override
    public void open(OpenContext openContext) {
        parser = new EventParser(schema, maxFutureSkewMs);
        events = getRuntimeContext().getLongCounter(EVENTS);
        skipped = getRuntimeContext().getLongCounter(SKIPPED);
    }

    @Override
    public void processElement(ChangeRecord change, Context ctx, Collector<EventDelta> out) {
        EventParser.Result result = parser.parse(change, null, System.currentTimeMillis());
        CleanEvent e = result.event();
        if (e == null) {
            skipped.add(1);
            return;
        }
        if (historyVersion >= 0 && !change.isDelete() && e.occurredAtUs < historyToUs) {
            ctx.output(HISTORY, new EventDelta(1, e, historyVersion));
        }
        if (e.occurredAtUs < fromUs || e.occurredAtUs >= toUs) {
            return;
        }
        long v = version >= 0 ? version : change.lsn();
        if (change.isDelete()) {
            ctx.output(CleanAndDedupeFunction.ROWS, eventRows.encode(EventRow.of(e, v, true)));
            return;
        }
        ctx.output(CleanAndDedupeFunction.ROWS, eventRows.encode(EventRow.of(e, v, false)));
        out.collect(new EventDelta(1, e, v));
        events.add(1);
    }
}
