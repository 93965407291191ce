package io.sluice.jobs.analytics.model;

import io.sluice.common.change.ChangeRecord;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by event id, over archived changes read in any order: keeps the newest change by WAL
 * position (snapshot rows, at 0, are older than any streamed change) and, at the end of the bounded
 * input, emits it. A final delete is emitted with the values of the row it deleted, so the event it
 * removes can be tombstoned; TOASTed columns an update did not resend are filled from the row
 * before it.
 */
public final class LatestChange extends KeyedProcessFunction<String, ChangeRecord, ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private transient ValueState<ChangeRecord> latest;
    private transient ValueState<ChangeRecord> lastRow;

    @Override
    public void open(OpenContext openContext) {
        latest =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "latest", TypeInformation.of(ChangeRecord.class)));
        lastRow =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "last-row", TypeInformation.of(ChangeRecord.class)));
    }

    @Override
    public void processElement(ChangeRecord c, Context ctx, Collector<ChangeRecord> out)
            throws Exception {
        ChangeRecord current = latest.value();
        if (current == null || c.lsn() >= current.lsn()) {
            latest.update(c);
        }
        if (!c.isDelete()) {
            ChangeRecord row = lastRow.value();
            if (row == null || c.lsn() >= row.lsn()) {
                lastRow.update(row == null ? c : withUnchangedFrom(c, row));
            }
        }
        ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE); // the end of the input
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<ChangeRecord> out)
            throws Exception {
        ChangeRecord c = latest.value();
        ChangeRecord row = lastRow.value();
        if (c.isDelete()) {
            if (row != null) {
                out.collect(
                        new ChangeRecord(
                                c.table(),
                                ChangeRecord.Op.DELETE,
                                row.values(),
                                row.unchangedColumns(),
                                c.lsn()));
            }
        } else {
            out.collect(row);
        }
        latest.clear();
        lastRow.clear();
    }

    private static ChangeRecord withUnchangedFrom(ChangeRecord c, ChangeRecord before) {
        if (c.unchangedColumns().isEmpty()) {
            return c;
        }
        Map<String, Object> values = new LinkedHashMap<>(c.values());
        for (String column : c.unchangedColumns()) {
            values.put(column, before.values().get(column));
        }
        return new ChangeRecord(c.table(), c.op(), values, before.unchangedColumns(), c.lsn());
    }
}
