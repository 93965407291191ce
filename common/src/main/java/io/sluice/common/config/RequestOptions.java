package io.sluice.common.config;

import static io.sluice.common.config.Checks.positive;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The operational part of {@code analytics:}: which events are requests to a service, and which of
 * their properties hold the endpoint, latency, status, service and version. The error rollups
 * (analytics.errors_1m, errors_1h) read them. The docs list these options at the end of {@link
 * AnalyticsOptions}' area.
 */
public final class RequestOptions {
    private RequestOptions() {}

    public static final ConfigOption<String> EVENT =
            ConfigOptions.key("analytics.requests.event")
                    .stringType()
                    .defaultValue("api_request")
                    .withDescription("The event name of a request to a service.");

    public static final ConfigOption<String> ENDPOINT_PROPERTY =
            ConfigOptions.key("analytics.requests.endpoint-property")
                    .stringType()
                    .defaultValue("endpoint")
                    .withDescription("The property of a request event holding its endpoint.");

    public static final ConfigOption<String> LATENCY_PROPERTY =
            ConfigOptions.key("analytics.requests.latency-property")
                    .stringType()
                    .defaultValue("latency_ms")
                    .withDescription(
                            "The property of a request event holding its latency in"
                                    + " milliseconds.");

    public static final ConfigOption<String> STATUS_PROPERTY =
            ConfigOptions.key("analytics.requests.status-property")
                    .stringType()
                    .defaultValue("status")
                    .withDescription(
                            "The property of a request event holding its status code (a number,"
                                    + " or a string of digits).");

    public static final ConfigOption<String> SERVICE_PROPERTY =
            ConfigOptions.key("analytics.requests.service-property")
                    .stringType()
                    .defaultValue("service")
                    .withDescription("The property of a request event naming its service.");

    public static final ConfigOption<String> VERSION_PROPERTY =
            ConfigOptions.key("analytics.requests.version-property")
                    .stringType()
                    .defaultValue("version")
                    .withDescription(
                            "The property of a request event naming the service's version.");

    public static final ConfigOption<Integer> ERROR_STATUS =
            ConfigOptions.key("analytics.requests.error-status")
                    .intType()
                    .defaultValue(500)
                    .withDescription(
                            "A request whose status is at least this is an error in"
                                    + " analytics.errors_1m and errors_1h.");

    /** The options of this part in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(EVENT),
                    OptionRule.optional(ENDPOINT_PROPERTY),
                    OptionRule.optional(LATENCY_PROPERTY),
                    OptionRule.optional(STATUS_PROPERTY),
                    OptionRule.optional(SERVICE_PROPERTY),
                    OptionRule.optional(VERSION_PROPERTY),
                    OptionRule.optional(ERROR_STATUS, positive()));
}
