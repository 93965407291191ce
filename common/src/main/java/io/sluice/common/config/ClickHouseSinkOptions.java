package io.sluice.common.config;

import static io.sluice.common.config.Checks.lowerCaseIdentifier;
import static io.sluice.common.config.Checks.notNegative;
import static io.sluice.common.config.Checks.positive;
import static io.sluice.common.config.Checks.positiveDuration;

import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** {@code clickhouse:} and {@code sink:}, the target and how rows are batched and retried. */
public final class ClickHouseSinkOptions {
    private ClickHouseSinkOptions() {}

    public static final ConfigOption<String> URL =
            ConfigOptions.key("clickhouse.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("ClickHouse HTTP endpoint, e.g. http://host:8123.");

    public static final ConfigOption<String> DATABASE =
            ConfigOptions.key("clickhouse.database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Database the mirrored tables go to (must exist).");

    public static final ConfigOption<String> USER =
            ConfigOptions.key("clickhouse.user")
                    .stringType()
                    .defaultValue("default")
                    .withDescription("ClickHouse user.");

    public static final ConfigOption<String> PASSWORD =
            ConfigOptions.key("clickhouse.password")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Password; write it as ${ENV_VAR}.");

    public static final ConfigOption<String> CLUSTER =
            ConfigOptions.key("clickhouse.cluster")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A cluster of the servers' remote_servers: tables are created ON"
                                    + " CLUSTER as Replicated*MergeTree tables <name>_local on"
                                    + " every shard under a Distributed table <name>, sharded by"
                                    + " user (analytics) or primary key (mirror). Unset or"
                                    + " empty: one server.");

    /** The configured cluster; empty when unset or set to the empty string (one server). */
    public static java.util.Optional<String> cluster(SluiceConfig config) {
        return config.getOptional(CLUSTER).filter(c -> !c.isBlank());
    }

    public static final ConfigOption<Integer> BATCH_ROWS =
            ConfigOptions.key("sink.batch-rows")
                    .intType()
                    .defaultValue(50_000)
                    .withDescription("Flush a table's batch at this many rows.");

    public static final ConfigOption<Long> BATCH_BYTES =
            ConfigOptions.key("sink.batch-bytes")
                    .longType()
                    .defaultValue(16L << 20)
                    .withDescription("Flush a table's batch at this many encoded bytes.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("sink.flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDeprecatedKeys("sink.flush-interval-ms")
                    .withDescription(
                            "Flush batches at least this often. Batches are written on a thread of"
                                    + " their own; a batch not yet written when a checkpoint is"
                                    + " taken goes into the checkpoint and is written again after"
                                    + " a restore.");

    public static final ConfigOption<Integer> MAX_PENDING_ROWS =
            ConfigOptions.key("sink.max-pending-rows")
                    .intType()
                    .defaultValue(200_000)
                    .withDescription(
                            "Rows per sink subtask that may wait to be written (while ClickHouse"
                                    + " is slow or away) before the job is back-pressured. They"
                                    + " are held in memory and in checkpoints.");

    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key("sink.max-retries")
                    .intType()
                    .defaultValue(6)
                    .withDescription("Retries of a transient failure (connection, 5xx) per batch.");

    public static final ConfigOption<Duration> RETRY_BACKOFF =
            ConfigOptions.key("sink.retry-backoff")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDeprecatedKeys("sink.retry-backoff-ms")
                    .withDescription("First retry delay; doubles on each retry (max 30 s).");

    /** The options of this area in the order the docs list them, each with its rule. */
    public static final List<OptionRule<?>> RULES =
            List.of(
                    OptionRule.required(URL, ClickHouseSinkOptions::checkUrl),
                    OptionRule.required(DATABASE, lowerCaseIdentifier()),
                    OptionRule.optional(CLUSTER, ClickHouseSinkOptions::checkCluster),
                    OptionRule.optional(USER),
                    OptionRule.optional(PASSWORD),
                    OptionRule.optional(BATCH_ROWS, positive()),
                    OptionRule.optional(BATCH_BYTES, positive()),
                    OptionRule.optional(FLUSH_INTERVAL, positiveDuration()),
                    OptionRule.optional(MAX_PENDING_ROWS, positive()),
                    OptionRule.optional(MAX_RETRIES, notNegative()),
                    OptionRule.optional(RETRY_BACKOFF));

    private static void checkCluster(String cluster, List<String> problems) {
        if (!cluster.isEmpty() && !cluster.matches("[A-Za-z0-9_.-]+")) {
            problems.add(
                    "must name a cluster of ClickHouse's remote_servers (letters, digits, '_',"
                            + " '.', '-'), got '"
                            + cluster
                            + "'");
        }
    }

    private static void checkUrl(String url, List<String> problems) {
        if (!url.matches("https?://[^/\\s]+/?")) {
            problems.add(
                    "must be an HTTP endpoint like http://host:8123, got '"
                            + Redaction.redact(url)
                            + "'");
        }
    }
}
