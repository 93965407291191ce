package io.sluice.common.config;

import static io.sluice.common.config.Checks.eachEntryMatches;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * {@code pii:}, personal data replaced by a keyed hash at ingestion, before anything is written.
 */
public final class PiiOptions {
    private PiiOptions() {}

    public static final ConfigOption<List<String>> COLUMNS =
            ConfigOptions.key("pii.columns")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Columns replaced by a keyed hash (HMAC-SHA256, hex) before anything is"
                                    + " written, as schema.table.column.");

    public static final ConfigOption<List<String>> PROPERTY_KEYS =
            ConfigOptions.key("pii.property-keys")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Top-level keys of the events properties whose values are replaced by"
                                    + " the keyed hash.");

    public static final ConfigOption<String> KEY_ENV =
            ConfigOptions.key("pii.key-env")
                    .stringType()
                    .defaultValue("SLUICE_PII_KEY")
                    .withDescription(
                            "Environment variable holding the HMAC key; the job refuses to start"
                                    + " without it when PII fields are configured.");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(
                            COLUMNS,
                            eachEntryMatches(
                                    "[^.\\s]+\\.[^.\\s]+\\.[^.\\s]+",
                                    "schema.table.column (e.g. public.users.email)")),
                    OptionRule.optional(PROPERTY_KEYS),
                    OptionRule.optional(KEY_ENV));
}
