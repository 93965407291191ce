package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.LatencyRow;
import io.sluice.jobs.analytics.model.RequestSchema;

/**
 * Which request events a latency rollup takes (those with a numeric latency), their row key (window
 * start and endpoint) and window. Its single "increment" is the latency's bits, so that {@link
 * RollupCombiner} sums the deltas of one key and one latency value before the shuffle; {@link
 * LatencyFunction} keeps the latencies and makes the rows.
 */
public final class LatencySpec extends RequestRollup {
    private static final long serialVersionUID = 1L;

    public LatencySpec(
            String table, long sizeMs, RequestSchema requests, EventProperties properties) {
        super(table, sizeMs, requests, properties);
    }

    @Override
    public boolean accepts(CleanEvent e) {
        if (!requests.isRequest(e)) {
            return false;
        }
        return RequestSchema.isNumber(requests.of(e)[RequestFields.LATENCY]);
    }

    String endpoint(CleanEvent e) {
        return requests.of(e)[RequestFields.ENDPOINT];
    }

    /** The event's latency in milliseconds (an accepted event's). */
    double latency(CleanEvent e) {
        return Double.parseDouble(requests.of(e)[RequestFields.LATENCY]);
    }

    @Override
    public String key(CleanEvent e) {
        return LatencyRow.key(start(e), endpoint(e));
    }

    @Override
    public long[] increments(CleanEvent e) {
        return new long[] {Double.doubleToLongBits(latency(e))};
    }

    @Override
    public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
        throw new UnsupportedOperationException("latency rows are made by LatencyFunction");
    }
}
