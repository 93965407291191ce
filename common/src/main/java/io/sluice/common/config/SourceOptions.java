package io.sluice.common.config;

import static io.sluice.common.config.Checks.notBlank;

import java.util.List;
import java.util.Locale;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * {@code source:} and {@code kafka:}, where the changes come from: the replication slot (the
 * default), or Debezium-JSON change topics in Kafka, as a Debezium connector writes them. Either
 * way the Postgres catalog (read-only) gives the tables' columns and keys.
 */
public final class SourceOptions {
    private SourceOptions() {}

    /** Where the changes come from. */
    public enum Kind {
        /** Flink CDC on a replication slot of {@code postgres.database}: snapshot, then stream. */
        POSTGRES,
        /** Debezium-JSON change topics, one per table, written by a Debezium connector. */
        KAFKA;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final ConfigOption<Kind> KIND =
            ConfigOptions.key("source.kind")
                    .enumType(Kind.class)
                    .defaultValue(Kind.POSTGRES)
                    .withDescription(
                            "postgres: read the changes from a replication slot (Flink CDC,"
                                    + " pgoutput). kafka: read the Debezium-JSON topics a Debezium"
                                    + " Postgres connector writes, one per table"
                                    + " (kafka.topic-prefix.schema.table), with the offsets in"
                                    + " Flink's checkpoints; no slot is used, and Postgres is only"
                                    + " read for the tables' columns and keys. The connector"
                                    + " settings Sluice needs are in docs/kafka.md.");

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka brokers, host:port[,host:port...]; required with source.kind:"
                                    + " kafka.");

    public static final ConfigOption<String> KAFKA_TOPIC_PREFIX =
            ConfigOptions.key("kafka.topic-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The Debezium connector's topic.prefix: the job reads the topics"
                                    + " PREFIX.schema.table of the captured tables, also those"
                                    + " created after it started; required with source.kind:"
                                    + " kafka.");

    public static final ConfigOption<String> KAFKA_GROUP_ID =
            ConfigOptions.key("kafka.group-id")
                    .stringType()
                    .defaultValue("sluice")
                    .withDescription(
                            "Consumer group the job commits its offsets under when a checkpoint"
                                    + " completes, for monitoring lag only: the job resumes from"
                                    + " the offsets in its own checkpoint, and a run without state"
                                    + " reads the topics from the beginning.");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.optional(KIND),
                    OptionRule.optional(KAFKA_BOOTSTRAP_SERVERS, notBlank()),
                    OptionRule.optional(KAFKA_TOPIC_PREFIX, notBlank()),
                    OptionRule.optional(KAFKA_GROUP_ID, notBlank()));

    /** Problems of options that only make sense together, each as a full sentence. */
    static void checkTogether(SluiceConfig config, List<String> problems) {
        if (config.get(KIND) != Kind.KAFKA) {
            return;
        }
        if (config.getOptional(KAFKA_BOOTSTRAP_SERVERS).isEmpty()) {
            problems.add(
                    "'kafka.bootstrap-servers' is required with 'source.kind: kafka': the brokers"
                            + " to read the change topics from, host:port[,host:port...]");
        }
        if (config.getOptional(KAFKA_TOPIC_PREFIX).isEmpty()) {
            problems.add(
                    "'kafka.topic-prefix' is required with 'source.kind: kafka': the Debezium"
                            + " connector's topic.prefix (its topics are PREFIX.schema.table)");
        }
    }

    /** Whether the job reads Debezium-JSON topics rather than a replication slot. */
    public static boolean fromKafka(SluiceConfig config) {
        return config.get(KIND) == Kind.KAFKA;
    }
}
