package io.sluice.common.config;

import static io.sluice.common.config.Checks.eachEntryMatches;
import static io.sluice.common.config.Checks.lowerCaseIdentifier;
import static io.sluice.common.config.Checks.notNegativeDuration;
import static io.sluice.common.config.Checks.positiveDuration;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * {@code analytics:}, the events source contract and the analytics job: which captured table holds
 * the events, its columns, the rollups to run, and the event-time bounds. The options of funnels,
 * retention and feature adoption are in {@link ProductAnalyticsOptions}.
 */
public final class AnalyticsOptions {
    private AnalyticsOptions() {}

    /** The count rollups; each is the ClickHouse table of the same name. */
    public enum Rollup {
        EVENTS_PER_MINUTE,
        EVENTS_PER_5M,
        EVENTS_PER_HOUR,
        SESSIONS_DAILY,
        ERRORS_1M,
        ERRORS_1H,
        LATENCY_1M,
        LATENCY_1H;

        /** The rollup's table in the analytics database. */
        public String tableName() {
            return toString();
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final ConfigOption<String> DATABASE =
            ConfigOptions.key("analytics.database")
                    .stringType()
                    .defaultValue("analytics")
                    .withDescription(
                            "ClickHouse database of the analytics tables (events, rollups,"
                                    + " sessions, dead_letters, late_events); created when the job"
                                    + " starts.");

    public static final ConfigOption<String> EVENTS_TABLE =
            ConfigOptions.key("analytics.events-table")
                    .stringType()
                    .defaultValue("public.events")
                    .withDescription(
                            "The captured Postgres table holding product events (must be in"
                                    + " postgres.tables).");

    public static final ConfigOption<String> COLUMN_EVENT_ID =
            ConfigOptions.key("analytics.columns.event-id")
                    .stringType()
                    .defaultValue("event_id")
                    .withDescription("Events column: unique event id.");

    public static final ConfigOption<String> COLUMN_USER_ID =
            ConfigOptions.key("analytics.columns.user-id")
                    .stringType()
                    .defaultValue("user_id")
                    .withDescription("Events column: user id (text or integer).");

    public static final ConfigOption<String> COLUMN_OCCURRED_AT =
            ConfigOptions.key("analytics.columns.occurred-at")
                    .stringType()
                    .defaultValue("occurred_at")
                    .withDescription(
                            "Events column: event time (timestamptz or timestamp in UTC).");

    public static final ConfigOption<String> COLUMN_EVENT_NAME =
            ConfigOptions.key("analytics.columns.event-name")
                    .stringType()
                    .defaultValue("event_name")
                    .withDescription("Events column: event name.");

    public static final ConfigOption<String> COLUMN_PROPERTIES =
            ConfigOptions.key("analytics.columns.properties")
                    .stringType()
                    .defaultValue("properties")
                    .withDescription(
                            "Events column: properties (jsonb, json or text holding a JSON"
                                    + " object).");

    public static final ConfigOption<List<String>> PROMOTED_PROPERTIES =
            ConfigOptions.key("analytics.promoted-properties")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Property keys that become typed columns prop_<key> of"
                                    + " analytics.events, as key:Type with Type one of String,"
                                    + " Int64, Float64, Bool.");

    public static final ConfigOption<List<Rollup>> ROLLUPS =
            ConfigOptions.key("analytics.rollups")
                    .enumType(Rollup.class)
                    .asList()
                    .defaultValues(Rollup.values())
                    .withDescription(
                            "The count rollups to run: events_per_minute, events_per_5m,"
                                    + " events_per_hour, sessions_daily, errors_1m, errors_1h,"
                                    + " latency_1m, latency_1h."
                                    + " Adding one to a running"
                                    + " job is a savepoint-compatible upgrade (it counts from the"
                                    + " upgrade on; a backfill fills its past).");

    public static final ConfigOption<Duration> DEDUPE_TTL =
            ConfigOptions.key("analytics.dedupe-ttl")
                    .durationType()
                    .defaultValue(Duration.ofDays(7))
                    .withDeprecatedKeys("analytics.dedupe-ttl-ms")
                    .withDescription(
                            "How long an event id is remembered (processing time); a re-delivery"
                                    + " after that is counted again.");

    public static final ConfigOption<Duration> MAX_FUTURE_SKEW =
            ConfigOptions.key("analytics.max-future-skew")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDeprecatedKeys("analytics.max-future-skew-ms")
                    .withDescription(
                            "An event whose occurred_at is further than this after its"
                                    + " transaction's commit time (for snapshot rows, the"
                                    + " snapshot anchor's) is a dead letter. Never judged by the"
                                    + " wall clock, so a replay reaches the same verdict.");

    public static final ConfigOption<Duration> OUT_OF_ORDERNESS =
            ConfigOptions.key("analytics.out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDeprecatedKeys("analytics.out-of-orderness-ms")
                    .withDescription("Watermark = newest streamed occurred_at minus this bound.");

    public static final ConfigOption<Duration> REPAIR_HORIZON =
            ConfigOptions.key("analytics.repair-horizon")
                    .durationType()
                    .defaultValue(Duration.ofDays(3))
                    .withDeprecatedKeys(
                            "analytics.allowed-lateness", "analytics.allowed-lateness-ms")
                    .withDescription(
                            "A late event, correction or delete up to this far behind the"
                                    + " watermark corrects every analytics table it affects"
                                    + " (window rollups, sessions, sessions_daily, DAU/WAU/MAU,"
                                    + " funnels, retention, adoption), within seconds and"
                                    + " without a backfill; older ones go to"
                                    + " analytics.late_events. The default is the incremental"
                                    + " window of the dbt models. Keyed state covers this span"
                                    + " of event time (sessionization keeps the events of its"
                                    + " open sessions), and a backfill's --to must be older.");

    public static final ConfigOption<Duration> SESSION_GAP =
            ConfigOptions.key("analytics.session-gap")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDeprecatedKeys("analytics.session-gap-ms")
                    .withDescription("A session ends after this long without events.");

    public static final ConfigOption<Duration> SESSION_MAX =
            ConfigOptions.key("analytics.session-max")
                    .durationType()
                    .defaultValue(Duration.ofHours(24))
                    .withDeprecatedKeys("analytics.session-max-ms")
                    .withDescription("A session ends when it reaches this length.");

    public static final ConfigOption<Duration> DEAD_LETTERS_TTL =
            ConfigOptions.key("analytics.dead-letters-ttl")
                    .durationType()
                    .noDefaultValue()
                    .withDescription(
                            "How long rows of analytics.dead_letters and analytics.late_events are"
                                    + " kept, counted from when ClickHouse received them (a table"
                                    + " TTL on their _received_at column, in whole seconds,"
                                    + " rounded up); unset, they are kept forever (a TTL set"
                                    + " earlier is removed). Needs ClickHouse 20.10 or newer: on"
                                    + " an older server a set value stops the start.");

    /** This class's own options in the order the docs list them, each with its rule. */
    private static final List<OptionRule<?>> OWN_RULES =
            List.of(
                    OptionRule.optional(DATABASE, lowerCaseIdentifier()),
                    OptionRule.optional(EVENTS_TABLE),
                    OptionRule.optional(COLUMN_EVENT_ID),
                    OptionRule.optional(COLUMN_USER_ID),
                    OptionRule.optional(COLUMN_OCCURRED_AT),
                    OptionRule.optional(COLUMN_EVENT_NAME),
                    OptionRule.optional(COLUMN_PROPERTIES),
                    OptionRule.optional(
                            PROMOTED_PROPERTIES,
                            eachEntryMatches(
                                    "[A-Za-z_][A-Za-z0-9_]*:(String|Int64|Float64|Bool)",
                                    "key:Type with Type one of String, Int64, Float64, Bool (e.g."
                                            + " plan:String)")),
                    OptionRule.optional(ROLLUPS),
                    OptionRule.optional(DEDUPE_TTL, positiveDuration()),
                    OptionRule.optional(MAX_FUTURE_SKEW, positiveDuration()),
                    OptionRule.optional(OUT_OF_ORDERNESS, notNegativeDuration()),
                    OptionRule.optional(REPAIR_HORIZON, positiveDuration()),
                    OptionRule.optional(SESSION_GAP, positiveDuration()),
                    OptionRule.optional(SESSION_MAX, positiveDuration()),
                    OptionRule.optional(DEAD_LETTERS_TTL, positiveDuration()));

    /**
     * The options of this area in the order the docs list them, each with its rule: this class's,
     * then those of {@link ProductAnalyticsOptions}, {@link RequestOptions}, {@link AlertOptions}
     * and {@link FinanceOptions}.
     */
    public static final List<OptionRule<?>> RULES =
            Stream.of(
                            OWN_RULES,
                            ProductAnalyticsOptions.RULES,
                            RequestOptions.RULES,
                            AlertOptions.RULES,
                            FinanceOptions.RULES)
                    .flatMap(List::stream)
                    .toList();
}
