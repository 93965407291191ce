package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.DeadLetterRow;
import io.sluice.jobs.analytics.operators.EventParser;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;

/**
 * The dead letters of a finance table's rows, for the keyed function that reads its changes (one
 * key per row): an unusable row writes one to analytics.dead_letters with its reason, versioned by
 * the change's LSN (to the function's side output, given as {@code out}), and a later change that
 * makes the row usable, or its delete, deletes it. Keyed state: a mark that the current row's dead
 * letter is written ({@code dead-lettered}).
 */
@Internal
final class FinanceDeadLetters {
    private final String table;
    private final Function<ChangeRecord, String> rowKey;
    private final ValueState<Boolean> written;
    private final Counter counter;

    FinanceDeadLetters(
            RuntimeContext context, String table, Function<ChangeRecord, String> rowKey) {
        this.table = table;
        this.rowKey = rowKey;
        this.written = context.getState(new ValueStateDescriptor<>("dead-lettered", Types.BOOLEAN));
        this.counter = context.getMetricGroup().counter("sluiceDeadLetters");
    }

    /** Writes the row's dead letter; {@code remembered}: a later change deletes it. */
    void write(Consumer<AnalyticsRow> out, ChangeRecord change, String reason, boolean remembered)
            throws Exception {
        counter.inc();
        out.accept(row(change, reason, false));
        if (remembered) {
            written.update(true);
        }
    }

    /** Deletes the row's dead letter, if one is written. */
    void clear(Consumer<AnalyticsRow> out, ChangeRecord change) throws Exception {
        if (Boolean.TRUE.equals(written.value())) {
            out.accept(row(change, "", true));
            written.clear();
        }
    }

    private AnalyticsRow row(ChangeRecord change, String reason, boolean deleted) {
        AnalyticsRow row =
                new DeadLetterRow(
                                table,
                                rowKey.apply(change),
                                reason,
                                deleted ? "" : EventParser.rawRow(change),
                                change.lsn(),
                                deleted)
                        .encode();
        row.fromSnapshot = change.op() == ChangeRecord.Op.SNAPSHOT;
        return row;
    }
}
