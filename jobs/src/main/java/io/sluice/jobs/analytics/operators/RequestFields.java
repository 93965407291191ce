package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.RequestSchema;
import java.io.Serializable;

/**
 * A request event's service, version, status, endpoint and latency as property text ({@link
 * EventProperties}), read with one parse of its properties and kept for the next call with the same
 * event: a rollup's key, increments and row all read them. With object reuse a record arrives in
 * the same object with new values, so the properties it was read from are compared too.
 */
final class RequestFields implements Serializable {
    private static final long serialVersionUID = 1L;
    static final int SERVICE = 0;
    static final int VERSION = 1;
    static final int STATUS = 2;
    static final int ENDPOINT = 3;
    static final int LATENCY = 4;

    final RequestSchema schema;
    private final EventProperties properties;

    private transient CleanEvent lastEvent;
    private transient String lastJson;
    private transient String[] lastPromoted;
    private transient String[] lastFields;

    RequestFields(RequestSchema schema, EventProperties properties) {
        this.schema = schema;
        this.properties = properties;
    }

    boolean isRequest(CleanEvent e) {
        return e.eventName.equals(schema.event);
    }

    /** The fields, service, version and endpoint as {@code ''} when missing. */
    String[] of(CleanEvent e) {
        if (e != lastEvent || e.propertiesJson != lastJson || e.promoted != lastPromoted) {
            String[] f =
                    properties.getAll(
                            e,
                            schema.service,
                            schema.version,
                            schema.status,
                            schema.endpoint,
                            schema.latency);
            f[SERVICE] = f[SERVICE] == null ? "" : f[SERVICE];
            f[VERSION] = f[VERSION] == null ? "" : f[VERSION];
            f[ENDPOINT] = f[ENDPOINT] == null ? "" : f[ENDPOINT];
            lastFields = f;
            lastEvent = e;
            lastJson = e.propertiesJson;
            lastPromoted = e.promoted;
        }
        return lastFields;
    }
}
