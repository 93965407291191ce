package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.RequestSchema;

/**
 * What the rollups of request events share: their table, tumbling window (epoch-aligned), the
 * request fields they read ({@link RequestFields}), and that a pre-aggregated delta keeps the whole
 * event (their keys read its properties).
 */
abstract class RequestRollup implements RollupSpec {
    private static final long serialVersionUID = 1L;

    final String table;
    private final long sizeMs;
    final RequestFields requests;

    RequestRollup(String table, long sizeMs, RequestSchema requests, EventProperties properties) {
        this.table = table;
        this.sizeMs = sizeMs;
        this.requests = new RequestFields(requests, properties);
    }

    @Override
    public String name() {
        return table.replace('_', '-');
    }

    long start(CleanEvent e) {
        return Math.floorDiv(e.occurredAtMs(), sizeMs) * sizeMs;
    }

    @Override
    public long windowEndMs(CleanEvent e) {
        return start(e) + sizeMs;
    }

    /** The whole event: the key reads its properties. */
    @Override
    public CleanEvent reduce(CleanEvent e) {
        return e;
    }
}
