package io.sluice.connector.clickhouse;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The options of the {@code 'connector' = 'clickhouse'} table sink. Their checks are in {@link
 * ClickHouseDynamicTableFactory}; docs/sql-connector.md lists them for users.
 *
 * <p>There is deliberately no {@code password} option: a value in a {@code CREATE TABLE} statement
 * ends up in catalogs, the SQL client's history and the job graph. The password (and optionally the
 * user) is read from an environment variable of the TaskManagers, named by {@link #PASSWORD_ENV}
 * and {@link #USERNAME_ENV}.
 */
public final class ClickHouseConnectorOptions {
    private ClickHouseConnectorOptions() {}

    /** The environment variable the password is read from unless {@link #PASSWORD_ENV} is set. */
    public static final String DEFAULT_PASSWORD_ENV = "SLUICE_CLICKHOUSE_PASSWORD";

    public static final ConfigOption<String> URL =
            ConfigOptions.key("url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The ClickHouse HTTP interface, http(s)://host:port (for example"
                                    + " http://clickhouse:8123), without credentials or path.");

    public static final ConfigOption<String> DATABASE =
            ConfigOptions.key("database")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("The ClickHouse database of the table (it must exist).");

    public static final ConfigOption<String> TABLE_NAME =
            ConfigOptions.key("table-name")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The ClickHouse table; created from the Flink schema when missing.");

    public static final ConfigOption<String> USERNAME =
            ConfigOptions.key("username")
                    .stringType()
                    .defaultValue("default")
                    .withDescription(
                            "The ClickHouse user, unless 'username-env' names a variable that"
                                    + " is set.");

    public static final ConfigOption<String> USERNAME_ENV =
            ConfigOptions.key("username-env")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "An environment variable of the TaskManagers holding the ClickHouse"
                                    + " user; when set there it wins over 'username'.");

    public static final ConfigOption<String> PASSWORD_ENV =
            ConfigOptions.key("password-env")
                    .stringType()
                    .defaultValue(DEFAULT_PASSWORD_ENV)
                    .withDescription(
                            "The environment variable of the TaskManagers holding the ClickHouse"
                                    + " password. The default variable may be unset (empty"
                                    + " password); a variable named here explicitly must be set.");

    public static final ConfigOption<Integer> BATCH_ROWS =
            ConfigOptions.key("sink.batch-rows")
                    .intType()
                    .defaultValue(10_000)
                    .withDescription("Rows per INSERT; a full batch is sent at once.");

    public static final ConfigOption<Duration> FLUSH_INTERVAL =
            ConfigOptions.key("sink.flush-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription(
                            "How often buffered rows are sent even if the batch is not full"
                                    + " (they are also sent at every checkpoint).");

    public static final ConfigOption<Integer> MAX_RETRIES =
            ConfigOptions.key("sink.max-retries")
                    .intType()
                    .defaultValue(6)
                    .withDescription(
                            "How often a transiently failing INSERT is retried (with doubling"
                                    + " backoff) before the job fails.");

    public static final ConfigOption<Duration> RETRY_BACKOFF =
            ConfigOptions.key("sink.retry-backoff")
                    .durationType()
                    .defaultValue(Duration.ofMillis(200))
                    .withDescription("The first wait before a retry; doubled up to 30 s.");

    public static final ConfigOption<Integer> MAX_PENDING_ROWS =
            ConfigOptions.key("sink.max-pending-rows")
                    .intType()
                    .defaultValue(200_000)
                    .withDescription(
                            "Rows handed to the sender thread but not yet written beyond which"
                                    + " the sink back-pressures (an outage longer than the"
                                    + " buffers).");
}
