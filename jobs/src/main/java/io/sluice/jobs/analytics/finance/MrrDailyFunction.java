package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.Versions;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.MrrDailyRow;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One key for the whole table: sums the customers' {@link MrrDelta}s per day and writes the rows of
 * analytics.mrr_daily for every day from the first subscription's start up to the UTC day of the
 * job's event-time clock (the events' watermark, the second input, which carries no records; never
 * the wall clock). A day's MRR and active subscriptions are the sums of the level changes up to it;
 * its movements are its own.
 *
 * <p>Changes are batched as {@code CohortWeeklyFunction} does: a change marks the table dirty, and
 * a dirty table is written at the next whole second of processing time, or at the end of a bounded
 * input; a new clock day is written when the watermark reaches it. A write emits the rows whose
 * values differ from those written last, all at the next version ({@link Versions#next} of the last
 * version and the highest LSN of any change received: a row a change shaped may be written only
 * days later, when the clock reaches its day), and deletes ({@code _is_deleted = 1}) the rows of
 * days no longer in the range (the first start moved later).
 *
 * <p>State, kept for good: per day with a change, its summed changes; per reported day, the values
 * last written; the version; the clock day; the highest LSN received. A few numbers per day.
 */
@Internal
public final class MrrDailyFunction
        extends KeyedCoProcessFunction<String, MrrDelta, Long, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    /** The one key: every customer's deltas meet here. */
    public static final String KEY = "mrr";

    static final long DAY_MS = 86_400_000L;

    private transient MapState<Long, long[]> changes;
    private transient MapState<Long, long[]> written;
    private transient ValueState<Long> version;

    /** The highest LSN of any change received: every row is written at a version at or above. */
    private transient ValueState<Long> latestLsn;

    /** Set while changes wait to be written. */
    private transient ValueState<Boolean> dirty;

    private transient ValueState<Long> clockDay;

    @Override
    public void open(OpenContext openContext) {
        changes = longsByDay("changes");
        written = longsByDay("written");
        version = getRuntimeContext().getState(new ValueStateDescriptor<>("version", Types.LONG));
        latestLsn =
                getRuntimeContext().getState(new ValueStateDescriptor<>("latest-lsn", Types.LONG));
        dirty = getRuntimeContext().getState(new ValueStateDescriptor<>("dirty", Types.BOOLEAN));
        clockDay =
                getRuntimeContext().getState(new ValueStateDescriptor<>("clock-day", Types.LONG));
    }

    private MapState<Long, long[]> longsByDay(String name) {
        return getRuntimeContext()
                .getMapState(
                        new MapStateDescriptor<>(
                                name,
                                Types.LONG,
                                PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement1(MrrDelta d, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long[] v = changes.get(d.day);
        long[] add = d.values();
        if (v == null) {
            v = add;
        } else {
            for (int i = 0; i < v.length; i++) {
                v[i] += add[i];
            }
        }
        if (Arrays.stream(v).allMatch(x -> x == 0)) {
            changes.remove(d.day);
        } else {
            changes.put(d.day, v);
        }
        if (dirty.value() == null) {
            long now = ctx.timerService().currentProcessingTime();
            ctx.timerService().registerProcessingTimeTimer(now - Math.floorMod(now, 1000) + 1000);
            ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE); // the end of the input
            dirty.update(true);
        }
        Long latest = latestLsn.value();
        latestLsn.update(latest == null ? d.lsn : Math.max(latest, d.lsn));
        Long clock = clockDay.value();
        // The clock's next day, or its first watermark while there is none.
        ctx.timerService()
                .registerEventTimeTimer(clock == null ? Long.MIN_VALUE + 1 : (clock + 1) * DAY_MS);
    }

    @Override
    public void processElement2(Long none, Context ctx, Collector<AnalyticsRow> out) {
        // The clock input carries watermarks only.
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long watermark = ctx.timerService().currentWatermark();
        if (ctx.timeDomain() == TimeDomain.EVENT_TIME
                && timestamp != Long.MAX_VALUE
                && watermark != Long.MAX_VALUE) {
            long day = Math.floorDiv(watermark, DAY_MS);
            Long clock = clockDay.value();
            if (clock == null || day > clock) {
                clockDay.update(day);
            }
            ctx.timerService().registerEventTimeTimer((clockDay.value() + 1) * DAY_MS);
        }
        write(out);
    }

    /** Writes the rows that differ from those written last. */
    private void write(Collector<AnalyticsRow> out) throws Exception {
        Long clock = clockDay.value();
        if (clock == null) {
            return; // no clock yet: nothing is reported, the changes wait (still dirty)
        }
        TreeMap<Long, long[]> byDay = new TreeMap<>();
        for (Map.Entry<Long, long[]> e : changes.entries()) {
            byDay.put(e.getKey(), e.getValue());
        }
        Long first = null; // the first subscription's start
        for (Map.Entry<Long, long[]> e : byDay.entrySet()) {
            if (e.getValue()[6] > 0) {
                first = e.getKey();
                break;
            }
        }
        Map<Long, long[]> rows = new HashMap<>();
        if (first != null) {
            long mrr = 0;
            long active = 0;
            for (Map.Entry<Long, long[]> e : byDay.headMap(first).entrySet()) {
                mrr += e.getValue()[0];
                active += e.getValue()[1];
            }
            for (long day = first; day <= clock; day++) {
                long[] c = byDay.get(day);
                long[] row = new long[6];
                if (c != null) {
                    mrr += c[0];
                    active += c[1];
                    System.arraycopy(c, 2, row, 1, 4);
                }
                row[0] = mrr;
                row[5] = active;
                rows.put(day, row);
            }
        }
        Map<Long, long[]> changed = new TreeMap<>();
        for (Map.Entry<Long, long[]> r : rows.entrySet()) {
            if (!Arrays.equals(written.get(r.getKey()), r.getValue())) {
                changed.put(r.getKey(), r.getValue());
            }
        }
        Map<Long, long[]> gone = new TreeMap<>();
        for (Map.Entry<Long, long[]> w : written.entries()) {
            if (!rows.containsKey(w.getKey())) {
                gone.put(w.getKey(), w.getValue());
            }
        }
        dirty.clear();
        if (changed.isEmpty() && gone.isEmpty()) {
            return;
        }
        Long last = version.value();
        Long latest = latestLsn.value();
        long next =
                Versions.next(
                        last == null ? Versions.NONE : last,
                        latest == null ? Versions.NONE : latest);
        version.update(next);
        for (Map.Entry<Long, long[]> r : changed.entrySet()) {
            out.collect(new MrrDailyRow(r.getKey(), r.getValue(), next, false).encode());
            written.put(r.getKey(), r.getValue());
        }
        for (Long day : gone.keySet()) {
            out.collect(new MrrDailyRow(day, new long[6], next, true).encode());
            written.remove(day);
        }
    }
}
