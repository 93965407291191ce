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
final class ErrorsRollup extends RequestRollup {
    private static final long serialVersionUID = 1L;

    ErrorsRollup(String table, long sizeMs, RequestSchema requests, EventProperties properties) {
        super(table, sizeMs, requests, properties);
    }

    @Override
    public boolean accepts(CleanEvent e) {
        return requests.isRequest(e);
    }

    @Override
    public String key(CleanEvent e) {
        String[] f = requests.of(e);
        return ErrorsRow.key(start(e), f[RequestFields.SERVICE], f[RequestFields.VERSION]);
    }

    @Override
    public long[] increments(CleanEvent e) {
        return new long[] {
            1, requests.schema.isError(requests.of(e)[RequestFields.STATUS]) ? 1 : 0
        };
    }

    @Override
    public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
        String[] f = requests.of(e);
        return new ErrorsRow(
                        table,
                        start(e),
                        f[RequestFields.SERVICE],
                        f[RequestFields.VERSION],
                        counts[0],
                        counts[1],
                        version)
                .encode();
    }
}
