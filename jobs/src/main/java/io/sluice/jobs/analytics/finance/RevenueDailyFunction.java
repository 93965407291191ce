package io.sluice.jobs.analytics.finance;

import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.RevenueDailyRow;
import io.sluice.jobs.analytics.model.VersionedCounts;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by UTC day and currency ({@link RevenueDailyRow#key}): sums the {@link RevenueDelta}s into
 * the row of analytics.revenue_daily and writes it again after every change, with the next version
 * ({@link VersionedCounts#nextVersion}: above the key's last version and not below the LSN of the
 * change, so a replay after a restore writes versions no lower than those already written). The
 * sink keeps the newest row per key and writes it once the checkpoint covering it completes.
 *
 * <p>A row whose day and currency are left without a counted order and without a refund is written
 * deleted ({@code _is_deleted = 1}, numbers 0); the SQL definition has no row there.
 *
 * <p>State, kept for good (no event time bounds it: an order of any day may change): per day and
 * currency four numbers (orders, gross, refunds, refund count) and the version. A deleted row keeps
 * its version, so a row written again later outranks its tombstone even at the same LSN.
 */
@Internal
public final class RevenueDailyFunction
        extends KeyedProcessFunction<String, RevenueDelta, AnalyticsRow> {
    private static final long serialVersionUID = 1L;

    private transient VersionedCounts state;

    @Override
    public void open(OpenContext openContext) {
        state = new VersionedCounts(getRuntimeContext(), "revenue");
    }

    @Override
    public void processElement(RevenueDelta d, Context ctx, Collector<AnalyticsRow> out)
            throws Exception {
        long[] c = state.add(new long[] {d.orders, d.gross, d.refunds, d.refundCount}, 1);
        boolean gone = c[0] == 0 && c[3] == 0;
        out.collect(
                new RevenueDailyRow(
                                d.day, d.currency, c[0], c[1], c[2], state.nextVersion(d.lsn), gone)
                        .encode());
    }
}
