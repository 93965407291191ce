package io.sluice.common.config;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks the servers a configuration names before any job starts, so a wrong setting is one clear
 * message instead of a failing job: Postgres reachable, {@code wal_level=logical}, the user has
 * REPLICATION, every table exists and has a primary key (and a replica identity that publishes it);
 * ClickHouse reachable and its database present. All problems found are reported together. With
 * {@code source.kind: kafka} the slot's needs (logical WAL, REPLICATION, SELECT) are the Debezium
 * connector's, and are not checked.
 */
public final class Preflight {
    private Preflight() {}

    public static void check(SluiceConfig config) {
        List<String> problems = new ArrayList<>();
        checkPostgres(config, problems);
        checkClickHouse(config, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
    }

    private static void checkPostgres(SluiceConfig config, List<String> problems) {
        String where =
                config.get(PostgresSourceOptions.HOST)
                        + ":"
                        + config.get(PostgresSourceOptions.PORT)
                        + "/"
                        + config.get(PostgresSourceOptions.DATABASE);
        String user = config.get(PostgresSourceOptions.USER);
        PostgresCatalog catalog;
        try {
            catalog = PostgresCatalog.connect(config);
        } catch (SQLException e) {
            problems.add(
                    "cannot connect to Postgres at "
                            + where
                            + " as '"
                            + user
                            + "': "
                            + Redaction.redact(e.getMessage())
                            + " (check postgres.host, postgres.port, postgres.database, postgres.user"
                            + " and the password)");
            return;
        }
        try (catalog) {
            // From Kafka, the connector that writes the topics owns the slot: Sluice only reads the
            // catalog (the tables' columns and keys), which needs neither replication nor SELECT.
            boolean slot = !SourceOptions.fromKafka(config);
            String walLevel = catalog.walLevel();
            if (slot && !"logical".equals(walLevel)) {
                problems.add(
                        "Postgres at "
                                + where
                                + " has wal_level="
                                + walLevel
                                + "; change data capture needs wal_level=logical: run ALTER SYSTEM"
                                + " SET wal_level = logical; and restart Postgres");
            }
            if (slot && !catalog.canReplicate(user)) {
                problems.add(
                        "Postgres user '"
                                + user
                                + "' lacks the REPLICATION attribute needed to read the"
                                + " replication slot: run ALTER ROLE "
                                + user
                                + " WITH REPLICATION; (as a superuser)");
            }
            for (TableId table : config.tables()) {
                Optional<PgTable> found = catalog.table(table);
                if (found.isEmpty()) {
                    problems.add(
                            "table "
                                    + table
                                    + " (in postgres.tables) does not exist in database "
                                    + config.get(PostgresSourceOptions.DATABASE)
                                    + " or is not visible to '"
                                    + user
                                    + "'");
                } else if (found.get().primaryKey().isEmpty()) {
                    problems.add(
                            "table "
                                    + table
                                    + " has no primary key; Sluice mirrors rows by primary key: add"
                                    + " one (ALTER TABLE "
                                    + table
                                    + " ADD PRIMARY KEY (...)) or remove it from postgres.tables");
                } else {
                    List<String> grants = slot ? catalog.missingGrants(table) : List.of();
                    for (String grant : grants) {
                        problems.add(
                                "Postgres user '"
                                        + user
                                        + "' may not read table "
                                        + table
                                        + " for the snapshot: run "
                                        + grant
                                        + "; (as the owner of "
                                        + (grant.contains(" SCHEMA ") ? "the schema" : "the table")
                                        + " or a superuser)");
                    }
                    String identity = catalog.replicaIdentityProblem(table);
                    if (identity != null) {
                        problems.add(
                                "table "
                                        + table
                                        + " has "
                                        + identity
                                        + ": run ALTER TABLE "
                                        + table
                                        + " REPLICA IDENTITY DEFAULT (the primary key)");
                    }
                }
            }
            checkPiiColumns(config, catalog, problems);
        } catch (SQLException e) {
            problems.add(
                    "cannot read the catalog of Postgres at "
                            + where
                            + ": "
                            + Redaction.redact(e.getMessage()));
        }
    }

    private static final Set<String> TEXT_TYPES =
            Set.of("text", "character varying", "varchar", "character", "bpchar", "citext", "name");

    private static final Set<String> JSON_TYPES = Set.of("json", "jsonb", "text");

    /**
     * A hashed column must be captured and hold text: its hash is a 64-character hex string, which
     * a numeric or date column (in Postgres' image in ClickHouse) cannot store.
     */
    private static void checkPiiColumns(
            SluiceConfig config, PostgresCatalog catalog, List<String> problems)
            throws SQLException {
        for (String entry : config.get(PiiOptions.COLUMNS)) {
            PiiColumn pii = PiiColumn.parse(entry);
            TableId table = pii.table();
            String column = pii.column();
            if (!config.tables().contains(table)) {
                problems.add(
                        "'pii.columns' names "
                                + entry
                                + ", but "
                                + table
                                + " is not in postgres.tables: capture the table or remove the"
                                + " entry");
                continue;
            }
            Optional<PgTable> found = catalog.table(table);
            if (found.isEmpty()) {
                continue; // reported with the tables above
            }
            PgColumn c = found.get().column(column);
            if (c == null) {
                problems.add(
                        "'pii.columns' names "
                                + entry
                                + ", but "
                                + table
                                + " has no column "
                                + column);
            } else if (!pii.whole() && !JSON_TYPES.contains(c.type())) {
                problems.add(
                        "'pii.columns' names "
                                + entry
                                + ", a path inside a "
                                + c.type()
                                + " column; a JSON path needs a json, jsonb or text column");
            } else if (pii.whole() && !TEXT_TYPES.contains(c.type().replaceAll("\\(.*", ""))) {
                problems.add(
                        "'pii.columns' names "
                                + entry
                                + ", a "
                                + c.type()
                                + " column; only text columns can hold the hash (hex string):"
                                + " hash a text column instead");
            }
        }
    }

    private static void checkClickHouse(SluiceConfig config, List<String> problems) {
        String url = config.get(ClickHouseSinkOptions.URL);
        String where = Redaction.redact(url); // what the messages show of it
        String database = config.get(ClickHouseSinkOptions.DATABASE);
        // Connect to the always-present "default" database: the configured one may be missing.
        try (ClickHouseConnection ch =
                new ClickHouseConnection(
                        url,
                        config.get(ClickHouseSinkOptions.USER),
                        config.get(ClickHouseSinkOptions.PASSWORD),
                        "default")) {
            String found =
                    ch.queryValue(
                            "SELECT count() FROM system.databases WHERE name = "
                                    + ClickHouseSql.literal(database));
            if ("0".equals(found)) {
                problems.add(
                        "ClickHouse database '"
                                + database
                                + "' (clickhouse.database) does not exist at "
                                + where
                                + ": run CREATE DATABASE "
                                + ClickHouseSql.identifier(database)
                                + ClickHouseSinkOptions.cluster(config)
                                        .map(c -> " ON CLUSTER " + ClickHouseSql.identifier(c))
                                        .orElse(""));
            }
            Optional<String> cluster = ClickHouseSinkOptions.cluster(config);
            if (cluster.isPresent()
                    && "0"
                            .equals(
                                    ch.queryValue(
                                            "SELECT count() FROM system.clusters WHERE cluster = "
                                                    + ClickHouseSql.literal(cluster.get())))) {
                problems.add(
                        "ClickHouse at "
                                + where
                                + " has no cluster '"
                                + cluster.get()
                                + "' (clickhouse.cluster) in its remote_servers: name one of"
                                + " SELECT DISTINCT cluster FROM system.clusters, or unset the"
                                + " option for one server");
            }
        } catch (ClickHouseException e) {
            if (e.code() == 0) {
                problems.add(
                        "ClickHouse at "
                                + where
                                + " (clickhouse.url) is unreachable: "
                                + e.getMessage().lines().findFirst().orElse(""));
            } else {
                problems.add(
                        "ClickHouse at "
                                + where
                                + " refused Sluice's check: "
                                + e.getMessage().lines().findFirst().orElse(""));
            }
        }
    }
}
