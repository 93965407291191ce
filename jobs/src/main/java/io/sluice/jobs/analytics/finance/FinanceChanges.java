package io.sluice.jobs.analytics.finance;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import io.sluice.jobs.analytics.operators.ClocklessChanges;
import java.util.HashSet;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The changes of the finance tables (orders and refunds), taken from the job's change stream as
 * {@code SignupChanges} takes the users table's; every other change is dropped. Stateless, chained
 * to the source.
 *
 * <p>Watermarks: revenue needs no event time (an order counts on its own day whenever it changes);
 * see {@link ClocklessChanges}.
 */
@Internal
public final class FinanceChanges extends ClocklessChanges<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    private final HashSet<TableId> tables;

    public FinanceChanges(Set<TableId> tables) {
        this.tables = new HashSet<>(tables);
    }

    @Override
    public void processElement(StreamRecord<ChangeRecord> element) {
        if (tables.contains(element.getValue().table())) {
            output.collect(element);
        }
    }
}
