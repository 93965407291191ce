package io.sluice.jobs.analytics.setup;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PiiColumn;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.ProductAnalyticsOptions.CohortBy;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.model.SignupSchema;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
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
                config.get(AnalyticsOptions.DATABASE),
                ClickHouseSinkOptions.cluster(config).orElse(null));
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
                        "ALTER TABLE "
                                + ClickHouseSql.qualified(database, AnalyticsTables.SESSIONS_DAILY)
                                + " ADD COLUMN "
                                + ClickHouseSql.identifier("events")
                                + " Int64 DEFAULT 0 AFTER "
                                + ClickHouseSql.identifier("ends"));
            }
            Set<String> existing = schema.columns(database, AnalyticsTables.EVENTS).keySet();
            for (PromotedProperty p : promoted) {
                if (!existing.contains(p.column())) {
                    schema.addColumn(
                            database,
                            AnalyticsTables.EVENTS,
                            p.column(),
                            "ALTER TABLE "
                                    + ClickHouseSql.qualified(database, AnalyticsTables.EVENTS)
                                    + " ADD COLUMN "
                                    + ClickHouseSql.identifier(p.column())
                                    + " Nullable("
                                    + p.type().clickHouseType
                                    + ") AFTER "
                                    + ClickHouseSql.identifier("properties_json"));
                }
            }
            RowExpiry.apply(ch, database, ttl);
        }
    }

    /**
     * The events table must be captured and have the configured columns; so must the users table
     * with cohorts by signup, and the orders and refunds tables when either is captured ({@link
     * FinanceSourceCheck}).
     */
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
            if (config.get(ProductAnalyticsOptions.RETENTION_COHORT_BY) == CohortBy.SIGNUP) {
                TableId users = SignupSchema.fromConfig(config).table();
                problems.addAll(
                        signupProblems(
                                config,
                                catalog.table(users),
                                catalog.unreplicatedColumns(List.of(users))
                                        .getOrDefault(users, Set.of())));
            }
            problems.addAll(FinanceSourceCheck.problems(config, catalog));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    /**
     * With {@code analytics.retention.cohort-by: signup}: the users table must be captured, exist,
     * have the two columns, be keyed by the user id column alone (a delete carries only the key),
     * deliver the signup time (not a generated column before Postgres 18), and have its user id
     * hashed exactly when the events' is (or the ids would not meet).
     *
     * @param table the users table as the catalog describes it, empty when it does not exist
     * @param unreplicated the users table's columns logical replication does not deliver
     */
    static List<String> signupProblems(
            SluiceConfig config, Optional<PgTable> table, Set<String> unreplicated) {
        SignupSchema schema = SignupSchema.fromConfig(config);
        List<String> problems = new ArrayList<>();
        TableId users = schema.table();
        String why = " ('analytics.retention.cohort-by' is signup)";
        if (users == null) {
            problems.add(
                    "'analytics.users-table' is not a table name (schema.table or table)" + why);
            return problems;
        }
        if (!config.tables().contains(users)) {
            problems.add(
                    "'analytics.users-table' is "
                            + users
                            + ", which is not in 'postgres.tables': add it there so it is"
                            + " captured"
                            + why);
        }
        if (table.isEmpty()) {
            problems.add(
                    "the users table "
                            + users
                            + " does not exist in Postgres (set 'analytics.users-table')"
                            + why);
            return problems;
        }
        String[][] columns = {
            {"analytics.columns.signup-user-id", schema.userId},
            {"analytics.columns.signed-up-at", schema.signedUpAt}
        };
        for (String[] c : columns) {
            if (table.get().column(c[1]) == null) {
                problems.add(
                        "'" + c[0] + "' is " + c[1] + ", but " + users + " has no such column");
            }
        }
        List<String> key = table.get().primaryKey().stream().map(PgColumn::name).toList();
        if (table.get().column(schema.userId) != null && !key.equals(List.of(schema.userId))) {
            problems.add(
                    "'analytics.columns.signup-user-id' is "
                            + schema.userId
                            + ", but the primary key of "
                            + users
                            + " is "
                            + (key.isEmpty() ? "missing" : "(" + String.join(", ", key) + ")")
                            + ": a deleted users row carries only its key, so the user id must be"
                            + " the whole primary key");
        }
        if (unreplicated.contains(schema.signedUpAt)) {
            problems.add(
                    "'analytics.columns.signed-up-at' is "
                            + schema.signedUpAt
                            + ", a generated column of "
                            + users
                            + ", which logical replication does not deliver before Postgres 18");
        }
        Set<String> hashed = new HashSet<>(); // as PiiMasker reads them
        for (PiiColumn c : PiiColumn.all(config)) {
            if (c.whole()) { // a JSON path inside a column leaves the column's value
                hashed.add(c.table().qualified() + "." + c.column());
            }
        }
        EventSchema events = EventSchema.fromConfig(config);
        boolean eventsHashed = hashed.contains(events.table().qualified() + "." + events.userId);
        boolean usersHashed = hashed.contains(users.qualified() + "." + schema.userId);
        if (eventsHashed != usersHashed) {
            problems.add(
                    "'pii.columns' hashes the user id of "
                            + (eventsHashed ? events.table() : users)
                            + " but not of "
                            + (eventsHashed ? users : events.table())
                            + ": hash both or neither, or no user would meet their signup");
        }
        return problems;
    }
}
