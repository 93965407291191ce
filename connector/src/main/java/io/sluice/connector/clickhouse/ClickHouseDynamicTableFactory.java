package io.sluice.connector.clickhouse;

import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.BATCH_ROWS;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.DATABASE;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.FLUSH_INTERVAL;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.MAX_PENDING_ROWS;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.MAX_RETRIES;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.PASSWORD_ENV;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.RETRY_BACKOFF;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.TABLE_NAME;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.URL;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.USERNAME;
import static io.sluice.connector.clickhouse.ClickHouseConnectorOptions.USERNAME_ENV;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.factories.DynamicTableSinkFactory;
import org.apache.flink.table.factories.FactoryUtil;

/**
 * The {@code 'connector' = 'clickhouse'} table sink: an upsert sink into a {@code
 * ReplacingMergeTree(_version)} table (see {@link ClickHouseDynamicTableSink} for the changelog
 * mapping and {@code SinkVersions} for why its results are exactly-once). All options are checked
 * here, when the statement is planned, with messages naming the option and the bad value; the
 * server is first contacted when a writer opens.
 */
public final class ClickHouseDynamicTableFactory implements DynamicTableSinkFactory {
    public static final String IDENTIFIER = "clickhouse";

    @Override
    public String factoryIdentifier() {
        return IDENTIFIER;
    }

    @Override
    public Set<ConfigOption<?>> requiredOptions() {
        return Set.of(URL, DATABASE, TABLE_NAME);
    }

    @Override
    public Set<ConfigOption<?>> optionalOptions() {
        return Set.of(
                USERNAME,
                USERNAME_ENV,
                PASSWORD_ENV,
                BATCH_ROWS,
                FLUSH_INTERVAL,
                MAX_RETRIES,
                RETRY_BACKOFF,
                MAX_PENDING_ROWS,
                FactoryUtil.SINK_PARALLELISM);
    }

    @Override
    public DynamicTableSink createDynamicTableSink(Context context) {
        if (context.getCatalogTable().getOptions().containsKey("password")) {
            throw new ValidationException(
                    "The clickhouse connector takes no 'password' option: a password in DDL ends"
                            + " up in catalogs, the SQL client's history and the job graph. Set"
                            + " it in an environment variable of the TaskManagers and name that"
                            + " variable with 'password-env' (default "
                            + ClickHouseConnectorOptions.DEFAULT_PASSWORD_ENV
                            + ").");
        }
        FactoryUtil.TableFactoryHelper helper = FactoryUtil.createTableFactoryHelper(this, context);
        helper.validate();
        ReadableConfig options = helper.getOptions();

        String url = checkUrl(options.get(URL));
        String database = notBlank(DATABASE, options.get(DATABASE));
        String table = notBlank(TABLE_NAME, options.get(TABLE_NAME));
        String username = notBlank(USERNAME, options.get(USERNAME));
        String usernameEnv = options.getOptional(USERNAME_ENV).orElse(null);
        if (usernameEnv != null) {
            notBlank(USERNAME_ENV, usernameEnv);
        }
        String passwordEnv = notBlank(PASSWORD_ENV, options.get(PASSWORD_ENV));
        boolean passwordEnvExplicit = options.getOptional(PASSWORD_ENV).isPresent();

        int batchRows = atLeast(BATCH_ROWS, options.get(BATCH_ROWS), 1, "a number of rows");
        Duration flushInterval = positive(FLUSH_INTERVAL, options.get(FLUSH_INTERVAL));
        int maxRetries = atLeast(MAX_RETRIES, options.get(MAX_RETRIES), 0, "a number of retries");
        Duration backoff = options.get(RETRY_BACKOFF);
        if (backoff.isNegative()) {
            throw bad(RETRY_BACKOFF, backoff, "must not be negative");
        }
        int maxPendingRows =
                atLeast(MAX_PENDING_ROWS, options.get(MAX_PENDING_ROWS), 1, "a number of rows");
        Integer parallelism = options.getOptional(FactoryUtil.SINK_PARALLELISM).orElse(null);

        UpsertTable upsertTable =
                UpsertTable.of(database, table, context.getCatalogTable().getResolvedSchema());
        return new ClickHouseDynamicTableSink(
                upsertTable,
                new ClickHouseEndpoint(
                        url, database, username, usernameEnv, passwordEnv, passwordEnvExplicit),
                new SinkSettings(
                        batchRows,
                        flushInterval.toMillis(),
                        maxRetries,
                        backoff.toMillis(),
                        maxPendingRows),
                parallelism);
    }

    /** The URL if it is {@code http(s)://host[:port][/]} without credentials, path or query. */
    static String checkUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw bad(URL, url, "is not a URL (" + e.getReason() + "); " + URL_FORM);
        }
        String scheme = uri.getScheme();
        if (scheme == null
                || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
            throw bad(URL, url, "must use http or https (the HTTP interface); " + URL_FORM);
        }
        if (uri.getHost() == null) {
            throw bad(URL, url, "has no host; " + URL_FORM);
        }
        if (uri.getRawUserInfo() != null) {
            throw bad(
                    URL,
                    redacted(uri),
                    "must not carry credentials; use 'username' and 'password-env'");
        }
        String path = uri.getRawPath();
        if ((path != null && !path.isEmpty() && !path.equals("/"))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null) {
            throw bad(
                    URL,
                    url,
                    "must have no path or query (the database is the 'database' option); "
                            + URL_FORM);
        }
        return url.trim();
    }

    private static final String URL_FORM =
            "expected http(s)://host:port, like http://clickhouse:8123";

    private static String redacted(URI uri) {
        return uri.getScheme()
                + "://***@"
                + uri.getHost()
                + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
    }

    private static String notBlank(ConfigOption<String> option, String value) {
        if (value == null || value.isBlank()) {
            throw bad(option, value, "must not be empty");
        }
        return value;
    }

    private static int atLeast(ConfigOption<Integer> option, int value, int min, String what) {
        if (value < min) {
            throw bad(option, value, "must be " + what + " of " + min + " or more");
        }
        return value;
    }

    private static Duration positive(ConfigOption<Duration> option, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw bad(option, value, "must be a positive duration, like 1 s or 500 ms");
        }
        return value;
    }

    private static ValidationException bad(ConfigOption<?> option, Object value, String why) {
        return new ValidationException(
                "Option '"
                        + option.key()
                        + "' of the clickhouse connector "
                        + why
                        + ", but was '"
                        + value
                        + "'.");
    }
}
