package io.sluice.common.config;

import static io.sluice.common.config.Checks.eachEntryMatches;
import static io.sluice.common.config.Checks.lowerCaseIdentifier;

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
                                    + " written, as schema.table.column; or the values at a path"
                                    + " inside a JSON column, as schema.table.column.$.key.key"
                                    + " (* matches any key or array element; arrays on the way"
                                    + " are walked; a value that is not JSON is hashed whole).");

    public static final ConfigOption<List<String>> PROPERTY_KEYS =
            ConfigOptions.key("pii.property-keys")
                    .stringType()
                    .asList()
                    .defaultValues()
                    .withDescription(
                            "Keys of the events properties whose values are replaced by the keyed"
                                    + " hash, at any depth of the JSON and in any case (email also"
                                    + " hashes user.profile.Email).");

    public static final ConfigOption<Boolean> DETECT_EMAILS =
            ConfigOptions.key("pii.detect-emails")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Also hash every e-mail address (Unicode included) found in any text"
                                    + " or JSON value of every captured table, wherever it is: in a"
                                    + " column not listed, under a property key not listed, or as a"
                                    + " user id.");

    public static final ConfigOption<String> KEY_ENV =
            ConfigOptions.key("pii.key-env")
                    .stringType()
                    .defaultValue("SLUICE_PII_KEY")
                    .withDescription(
                            "Environment variable holding the HMAC key; the job refuses to start"
                                    + " without it when PII fields are configured.");

    public static final ConfigOption<String> RAW_DATABASE =
            ConfigOptions.key("pii.raw-database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "ClickHouse database for a restricted copy of the raw values: every"
                                    + " value the job hashes is also written there, as hash ->"
                                    + " value in table pii_values (with its source column), for the"
                                    + " users allowed that database only (docs/security.md)."
                                    + " Created when the job starts; unset, raw values are kept"
                                    + " nowhere.");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(
                            COLUMNS,
                            eachEntryMatches(
                                    "[^.\\s]+\\.[^.\\s]+\\.[^.\\s$]+(\\.\\$(\\.[^.\\s]+)+)?",
                                    "schema.table.column (e.g. public.users.email), or a JSON"
                                            + " path in a column: schema.table.column.$.key.key"
                                            + " (e.g. public.users.attributes.$.contact.email;"
                                            + " * for any key or element)")),
                    OptionRule.optional(PROPERTY_KEYS),
                    OptionRule.optional(DETECT_EMAILS),
                    OptionRule.optional(KEY_ENV),
                    OptionRule.optional(RAW_DATABASE, lowerCaseIdentifier()));
}
