package io.sluice.common.config;

import static io.sluice.common.config.Checks.eachEntryParses;

import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The product-analytics part of {@code analytics:}: the funnels of analytics.funnel_daily, what
 * counts a user as retained and puts them in a cohort (with the captured users table a signup
 * cohort reads), and the features of analytics.feature_adoption_weekly. The docs list these options
 * at the end of {@link AnalyticsOptions}' area.
 */
public final class ProductAnalyticsOptions {
    private ProductAnalyticsOptions() {}

    /** What puts a user in a cohort of analytics.retention_weekly and feature_adoption_weekly. */
    public enum CohortBy {
        /** The ISO week of the user's first counted event. */
        FIRST_EVENT,
        /** The ISO week of the user's signup time, read from the captured users table. */
        SIGNUP;

        /** As the file writes it: {@code first-event}, {@code signup}. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    public static final ConfigOption<List<String>> FUNNELS =
            ConfigOptions.key("analytics.funnels")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Funnels of analytics.funnel_daily, one per entry: 'name: step >"
                                    + " step [> ...] within DURATION [ordered|strict]', a step"
                                    + " being an event name with optional property filters, e.g."
                                    + " 'signup: page_view{path=/pricing} > signup_started >"
                                    + " signup_completed within 1 d'. Changing or removing one"
                                    + " needs --allowNonRestoredState on the next restore"
                                    + " (docs/product-analytics.md).");

    public static final ConfigOption<String> RETENTION_RETURN_EVENT =
            ConfigOptions.key("analytics.retention.return-event")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "The event that counts a user as retained in a week of"
                                    + " analytics.retention_weekly; empty: any event does.");

    public static final ConfigOption<CohortBy> RETENTION_COHORT_BY =
            ConfigOptions.key("analytics.retention.cohort-by")
                    .enumType(CohortBy.class)
                    .defaultValue(CohortBy.FIRST_EVENT)
                    .withDescription(
                            "What a user's cohort week in analytics.retention_weekly and"
                                    + " analytics.feature_adoption_weekly is. first-event: the"
                                    + " ISO week of the user's first event; signup: the ISO week"
                                    + " of the user's signup time in 'analytics.users-table'"
                                    + " (which must then be in postgres.tables), counting"
                                    + " signed-up users without events and leaving out users"
                                    + " without a users row. Changing it on a running job needs"
                                    + " a fresh start (docs/product-analytics.md).");

    public static final ConfigOption<String> USERS_TABLE =
            ConfigOptions.key("analytics.users-table")
                    .stringType()
                    .defaultValue("public.users")
                    .withDescription(
                            "The captured Postgres table of users, read when"
                                    + " 'analytics.retention.cohort-by' is signup (then it must"
                                    + " be in postgres.tables).");

    public static final ConfigOption<String> COLUMN_SIGNUP_USER_ID =
            ConfigOptions.key("analytics.columns.signup-user-id")
                    .stringType()
                    .defaultValue("user_id")
                    .withDescription(
                            "Users column: the user id, the users table's primary key, with the"
                                    + " same text as the events' user id.");

    public static final ConfigOption<String> COLUMN_SIGNED_UP_AT =
            ConfigOptions.key("analytics.columns.signed-up-at")
                    .stringType()
                    .defaultValue("created_at")
                    .withDescription(
                            "Users column: signup time (timestamptz or timestamp in UTC); NULL"
                                    + " puts the user in no cohort.");

    public static final ConfigOption<List<String>> FEATURES =
            ConfigOptions.key("analytics.features")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Features of analytics.feature_adoption_weekly: an event name"
                                    + " (invite_sent), or event.property (feature_used.feature:"
                                    + " each value of that property is a feature).");

    private static OptionRule.Check<List<String>> uniqueFunnelNames() {
        return (entries, problems) -> {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (String e : entries) {
                try {
                    String name = FunnelDefinition.parse(e).name();
                    if (!names.add(name)) {
                        problems.add("two funnels are named '" + name + "'");
                    }
                } catch (IllegalArgumentException ex) {
                    // reported by eachEntryParses
                }
            }
        };
    }

    /** These options in the order the docs list them, each with its rule. */
    static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(
                            FUNNELS, eachEntryParses(FunnelDefinition::parse), uniqueFunnelNames()),
                    OptionRule.optional(RETENTION_RETURN_EVENT),
                    OptionRule.optional(RETENTION_COHORT_BY),
                    OptionRule.optional(USERS_TABLE),
                    OptionRule.optional(COLUMN_SIGNUP_USER_ID),
                    OptionRule.optional(COLUMN_SIGNED_UP_AT),
                    OptionRule.optional(FEATURES, eachEntryParses(FeatureDefinition::parse)));
}
