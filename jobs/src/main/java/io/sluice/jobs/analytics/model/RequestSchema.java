package io.sluice.jobs.analytics.model;

import io.sluice.common.config.RequestOptions;
import io.sluice.common.config.SluiceConfig;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Which events are requests to a service and where their fields are ({@link RequestOptions}): the
 * event name, and the property names of endpoint, latency, status, service and version.
 *
 * <p>A request is an error when its status is a number (JSON number, or a string of digits with an
 * optional fraction) of at least {@code errorStatus}; a missing or non-numeric status is not an
 * error. A missing service or version (or one that is an object or array) counts as {@code ''}.
 */
public final class RequestSchema implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    public final String event;
    public final String endpoint;
    public final String latency;
    public final String status;
    public final String service;
    public final String version;
    public final int errorStatus;

    public RequestSchema(
            String event,
            String endpoint,
            String latency,
            String status,
            String service,
            String version,
            int errorStatus) {
        this.event = event;
        this.endpoint = endpoint;
        this.latency = latency;
        this.status = status;
        this.service = service;
        this.version = version;
        this.errorStatus = errorStatus;
    }

    public static RequestSchema fromConfig(SluiceConfig config) {
        return new RequestSchema(
                config.get(RequestOptions.EVENT),
                config.get(RequestOptions.ENDPOINT_PROPERTY),
                config.get(RequestOptions.LATENCY_PROPERTY),
                config.get(RequestOptions.STATUS_PROPERTY),
                config.get(RequestOptions.SERVICE_PROPERTY),
                config.get(RequestOptions.VERSION_PROPERTY),
                config.get(RequestOptions.ERROR_STATUS));
    }

    /**
     * Whether property text is a number as status and latency are read: a JSON number or a string
     * of digits, with an optional fraction (no exponent).
     */
    public static boolean isNumber(String text) {
        return text != null && NUMBER.matcher(text).matches();
    }

    /** Whether a status, as property text, marks an error. */
    public boolean isError(String statusText) {
        return isNumber(statusText)
                && new BigDecimal(statusText).compareTo(BigDecimal.valueOf(errorStatus)) >= 0;
    }
}
