package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.LatencyRow;
import io.sluice.jobs.analytics.model.RequestSchema;
import java.util.regex.Pattern;

/**
 * Which request events a latency rollup takes (those with a numeric latency), their row key (window
 * start and endpoint) and window. Its single "increment" is the latency's bits, so that {@link
 * RollupCombiner} sums the deltas of one key and one latency value before the shuffle; {@link
 * LatencyFunction} keeps the latencies and makes the rows.
 */
public final class LatencySpec implements RollupSpec {
    private static final long serialVersionUID = 1L;
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    final String table;
    private final long sizeMs;
    private final RequestFields requests;

    public LatencySpec(
            String table, long sizeMs, RequestSchema requests, EventProperties properties) {
        this.table = table;
        this.sizeMs = sizeMs;
        this.requests = new RequestFields(requests, properties);
    }

    @Override
    public String name() {
        return table.replace('_', '-');
    }

    @Override
    public boolean accepts(CleanEvent e) {
        if (!requests.isRequest(e)) {
            return false;
        }
        String latency = requests.of(e)[RequestFields.LATENCY];
        return latency != null && NUMBER.matcher(latency).matches();
    }

    long start(CleanEvent e) {
        return Math.floorDiv(e.occurredAtMs(), sizeMs) * sizeMs;
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
    public long windowEndMs(CleanEvent e) {
        return start(e) + sizeMs;
    }

    @Override
    public long[] increments(CleanEvent e) {
        return new long[] {Double.doubleToLongBits(latency(e))};
    }

    @Override
    public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
        throw new UnsupportedOperationException("latency rows are made by LatencyFunction");
    }

    /** The whole event: the key and the latency read its properties. */
    @Override
    public CleanEvent reduce(CleanEvent e) {
        return e;
    }
}
