package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.ErrorsRow;
import io.sluice.jobs.analytics.model.RequestSchema;

/**
 * Requests and errors per tumbling window (epoch-aligned), service and version
 * (analytics.errors_1m, errors_1h): every request event adds 1 request, and 1 error when its status
 * is an error ({@link RequestSchema#isError}). A correction that changes a request's status,
 * service or version takes its old contribution back and adds the new one, as every count rollup
 * does.
 */
final class ErrorsRollup implements RollupSpec {
    private static final long serialVersionUID = 1L;

    private final String table;
    private final long sizeMs;
    private final RequestSchema requests;
    private final EventProperties properties;

    /**
     * The last event read and its service, version and status, so that each is read once per
     * operator. With object reuse a record arrives in the same object with new values, so the
     * properties it was read from are compared too.
     */
    private transient CleanEvent lastEvent;

    private transient String lastJson;
    private transient String[] lastPromoted;
    private transient String[] lastFields;

    ErrorsRollup(String table, long sizeMs, RequestSchema requests, EventProperties properties) {
        this.table = table;
        this.sizeMs = sizeMs;
        this.requests = requests;
        this.properties = properties;
    }

    @Override
    public String name() {
        return table.replace('_', '-');
    }

    @Override
    public boolean accepts(CleanEvent e) {
        return e.eventName.equals(requests.event);
    }

    private String[] fields(CleanEvent e) {
        if (e != lastEvent || e.propertiesJson != lastJson || e.promoted != lastPromoted) {
            String[] f = properties.getAll(e, requests.service, requests.version, requests.status);
            f[0] = f[0] == null ? "" : f[0];
            f[1] = f[1] == null ? "" : f[1];
            lastFields = f;
            lastEvent = e;
            lastJson = e.propertiesJson;
            lastPromoted = e.promoted;
        }
        return lastFields;
    }

    private long start(CleanEvent e) {
        return Math.floorDiv(e.occurredAtMs(), sizeMs) * sizeMs;
    }

    @Override
    public String key(CleanEvent e) {
        String[] f = fields(e);
        return ErrorsRow.key(start(e), f[0], f[1]);
    }

    @Override
    public long windowEndMs(CleanEvent e) {
        return start(e) + sizeMs;
    }

    @Override
    public long[] increments(CleanEvent e) {
        return new long[] {1, requests.isError(fields(e)[2]) ? 1 : 0};
    }

    @Override
    public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
        String[] f = fields(e);
        return new ErrorsRow(table, start(e), f[0], f[1], counts[0], counts[1], version).encode();
    }

    /** The whole event: the key and the increments read its properties. */
    @Override
    public CleanEvent reduce(CleanEvent e) {
        return e;
    }
}
