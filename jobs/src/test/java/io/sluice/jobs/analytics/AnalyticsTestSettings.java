package io.sluice.jobs.analytics;

import java.util.List;

/**
 * The product definitions every analytics job under test runs with, and its PII key: shared by the
 * jobs' integration tests ({@link AnalyticsJobIT#settings}), the oracle that checks them ({@link
 * EventOracle}), and the end-to-end tests on the standalone cluster, which write the same settings
 * as a configuration file. Nothing here needs Flink on the class path.
 */
public final class AnalyticsTestSettings {
    private AnalyticsTestSettings() {}

    /** The HMAC key the jobs under test hash PII with ({@code SLUICE_PII_KEY}). */
    public static final String PII_KEY = "analytics-it-hmac-key-0123456789";

    /**
     * The workload's request traffic is spread over a dozen service versions, a few requests a
     * minute each: 5 in the window lets error_rate fire and resolve (thresholds default).
     */
    public static final int ALERT_MIN_REQUESTS = 5;

    /**
     * The funnels of every analytics integration test: ordered without filters (also checked by
     * ClickHouse's windowFunnel), strict, and ordered with a property filter on a promoted
     * property.
     */
    public static final List<String> FUNNELS =
            List.of(
                    "browse: session_start > search > purchase within 2 h",
                    "engage: page_view > click > feature_used within 30 min strict",
                    "paid: page_view{plan=pro} > purchase within 1 d");

    public static final String RETURN_EVENT = "page_view";

    /** An event-name feature and a property feature (the plan of purchases). */
    public static final List<String> FEATURES = List.of("invite_sent", "purchase.plan");

    /** {@code analytics.promoted-properties}. */
    public static final List<String> PROMOTED_PROPERTIES =
            List.of("plan:String", "duration_ms:Int64");
}
