package io.sluice.jobs.analytics.setup;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.PromotedProperty;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the events source contract against the Postgres catalog and creates the analytics database
 * and tables in ClickHouse (adding promoted-property columns configured since), with the expiry of
 * the tables that only grow ({@link RowExpiry}).
 */
public final class AnalyticsSetup {
    private AnalyticsSetup() {}

    /** A connection to the analytics database. */
    public static ClickHouseConnection connect(SluiceConfig config) {
        return new ClickHouseConnection(
                config.get(ClickHouseSinkOptions.URL),
                config.get(ClickHouseSinkOptions.USER),
                config.get(ClickHouseSinkOptions.PASSWORD),
                config.get(AnalyticsOptions.DATABASE));
    }

    public static void prepare(SluiceConfig config) throws SQLException {
        checkSource(config);
        String database = config.get(AnalyticsOptions.DATABASE);
        try (ClickHouseConnection main = ClickHouseConnection.connect(config)) {
            new ClickHouseSchema(main).createDatabase(database);
        }
        List<PromotedProperty> promoted =
                PromotedProperty.parse(config.get(AnalyticsOptions.PROMOTED_PROPERTIES));
        try (ClickHouseConnection ch = connect(config)) {
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            ServerVersion server = ch.serverVersion();
            Optional<Duration> ttl = config.getOptional(AnalyticsOptions.DEAD_LETTERS_TTL);
            RowExpiry.checkServer(ttl, server, ch.url()); // before anything is created
            for (AnalyticsTables.Table table : AnalyticsTables.all(promoted)) {
                schema.createTable(table.createSql(database, server));
            }
            // Added after the first release: a user-day's events of any name (the dbt model's row
            // for every user-day with events, 0 starts and 0 ends included).
            if (!schema.columns(database, AnalyticsTables.SESSIONS_DAILY).containsKey("events")) {
                schema.addColumn(
                        database,
                        AnalyticsTables.SESSIONS_DAILY,
                        "events",
                        "ALTER TABLE `"
                                + database
                                + "`.`sessions_daily` ADD COLUMN `events` Int64 DEFAULT 0 AFTER `ends`");
            }
            Set<String> existing = schema.columns(database, AnalyticsTables.EVENTS).keySet();
            for (PromotedProperty p : promoted) {
                if (!existing.contains(p.column())) {
                    schema.addColumn(
                            database,
                            AnalyticsTables.EVENTS,
                            p.column(),
                            "ALTER TABLE `"
                                    + database
                                    + "`.`events` ADD COLUMN `"
                                    + p.column()
                                    + "` Nullable("
                                    + p.type().clickHouseType
                                    + ") AFTER `properties_json`");
                }
            }
            RowExpiry.apply(ch, database, ttl);
        }
    }

    /** The events table must be captured and have the configured columns. */
    static void checkSource(SluiceConfig config) throws SQLException {
        EventSchema schema = EventSchema.fromConfig(config);
        List<String> problems = new ArrayList<>();
        TableId events = schema.table();
        if (!config.tables().contains(events)) {
            problems.add(
                    "'analytics.events-table' is "
                            + events
                            + ", which is not in 'postgres.tables': add it there so it is"
                            + " captured");
        }
        try (PostgresCatalog catalog = PostgresCatalog.connect(config)) {
            Optional<PgTable> table = catalog.table(events);
            if (table.isEmpty()) {
                problems.add(
                        "the events table "
                                + events
                                + " does not exist in Postgres (set 'analytics.events-table')");
            } else {
                String[][] columns = {
                    {"analytics.columns.event-id", schema.eventId},
                    {"analytics.columns.user-id", schema.userId},
                    {"analytics.columns.occurred-at", schema.occurredAt},
                    {"analytics.columns.event-name", schema.eventName},
                    {"analytics.columns.properties", schema.properties}
                };
                for (String[] c : columns) {
                    if (table.get().column(c[1]) == null) {
                        problems.add(
                                "'"
                                        + c[0]
                                        + "' is "
                                        + c[1]
                                        + ", but "
                                        + events
                                        + " has no such column");
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }
}
