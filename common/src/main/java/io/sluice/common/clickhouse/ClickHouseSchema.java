package io.sluice.common.clickhouse;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;
import static io.sluice.common.clickhouse.ClickHouseSql.literal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every schema statement Sluice runs against ClickHouse ({@code CREATE DATABASE}, {@code CREATE
 * TABLE}, {@code ALTER TABLE ... ADD COLUMN}), the one lookup of a table's columns in {@code
 * system.columns} and that of its TTL in {@code system.tables}. The statement texts come from the
 * DDL builders ({@code ClickHouseDdl}, {@code AnalyticsTables}); this class decides whether and how
 * they run.
 *
 * <p>Idempotent, like Flink CDC's {@code StarRocksMetadataApplier}: creates are {@code IF NOT
 * EXISTS}, and a column is added only when the table lacks it, with the table read again after the
 * {@code ALTER}. So replaying a schema change after a failover, or two subtasks adding the same
 * column, is harmless: the second finds the column and does nothing, and an {@code ALTER} that
 * fails because the column appeared meanwhile counts as done.
 */
public final class ClickHouseSchema {
    private static final Logger LOG = LoggerFactory.getLogger(ClickHouseSchema.class);

    private final ClickHouseStatements clickHouse;

    public ClickHouseSchema(ClickHouseConnection clickHouse) {
        this((ClickHouseStatements) clickHouse);
    }

    public ClickHouseSchema(ClickHouseStatements clickHouse) {
        this.clickHouse = clickHouse;
    }

    /** The database of the connection: where the mirror's tables are. */
    public String database() {
        return clickHouse.database();
    }

    /** The server's version, asked each time (the DDL depends on it). */
    public ServerVersion serverVersion() {
        return clickHouse.serverVersion();
    }

    /**
     * The columns of {@code database.table}, name to type, in the table's order (the order {@code
     * system.columns} lists them in; ClickHouse 18.16 has no {@code position} to sort by); empty
     * when there is no such table.
     */
    public LinkedHashMap<String, String> columns(String database, String table) {
        LinkedHashMap<String, String> columns = new LinkedHashMap<>();
        for (List<String> row : clickHouse.query(columnsQuery(database, table))) {
            columns.put(TsvCodec.unescape(row.get(0)), TsvCodec.unescape(row.get(1)));
        }
        return columns;
    }

    static String columnsQuery(String database, String table) {
        return "SELECT name, type FROM system.columns WHERE database = "
                + literal(database)
                + " AND table = "
                + literal(table);
    }

    public void createDatabase(String database) {
        Optional<String> cluster = clickHouse.cluster();
        clickHouse.execute(
                cluster.isPresent()
                        ? ClusterDdl.createDatabase(database, cluster.get())
                        : "CREATE DATABASE IF NOT EXISTS " + identifier(database));
    }

    /**
     * Runs a {@code CREATE TABLE IF NOT EXISTS} statement: a table that exists is left as it is
     * (columns it lacks are added with {@link #addColumn}).
     */
    public void createTable(String createIfNotExists) {
        if (!createIfNotExists.startsWith("CREATE TABLE IF NOT EXISTS ")) {
            throw new IllegalArgumentException(
                    "not an idempotent CREATE TABLE IF NOT EXISTS statement: " + createIfNotExists);
        }
        Optional<String> cluster = clickHouse.cluster();
        if (cluster.isEmpty()) {
            clickHouse.execute(createIfNotExists);
            return;
        }
        List<String> statements = ClusterDdl.createTable(createIfNotExists, cluster.get());
        for (String sql : statements) {
            clickHouse.execute(sql);
        }
        checkDistributed(createIfNotExists, cluster.get());
    }

    /**
     * In cluster mode a table of the single-server mode, left from before, would stay as it is
     * ({@code IF NOT EXISTS}) and hold every row on one server: the start stops with what to do.
     */
    private void checkDistributed(String createIfNotExists, String cluster) {
        String database = ClusterDdl.databaseOf(createIfNotExists);
        String table = ClusterDdl.tableOf(createIfNotExists);
        String qualified = ClickHouseSql.qualified(database, table);
        Optional<String> engine = tableEngine(database, table);
        if (engine.isPresent() && !engine.get().equals("Distributed")) {
            throw new IllegalStateException(
                    "ClickHouse table "
                            + qualified
                            + " exists as a "
                            + engine.get()
                            + " table, but clickhouse.cluster is '"
                            + cluster
                            + "', where it must be a Distributed table over "
                            + ClusterDdl.local(table)
                            + " on every shard. It was made by a run without"
                            + " clickhouse.cluster: drop it (and resync), or rename it and copy its"
                            + " rows into the Distributed table after the first start");
        }
    }

    /**
     * Runs an {@code ALTER TABLE} that changes a table's storage rather than its columns (a TTL, a
     * {@code DELETE} mutation): on a cluster, on the local table of every shard.
     */
    public void alterStorage(String alter) {
        Optional<String> cluster = clickHouse.cluster();
        clickHouse.execute(
                cluster.isPresent() ? ClusterDdl.alter(alter, cluster.get()).get(0) : alter);
    }

    /**
     * Runs a statement that writes rows (an {@code INSERT ... SELECT}, which goes through the
     * Distributed tables on a cluster) or mutates them ({@code ALTER TABLE ... DELETE}: on a
     * cluster, on the local tables, see {@link #alterStorage}).
     */
    public void write(String sql) {
        if (sql.startsWith("ALTER TABLE ")) {
            alterStorage(sql);
        } else {
            clickHouse.execute(sql);
        }
    }

    /** The table that holds a table's rows and storage settings: on a cluster, the local one. */
    private String storageTable(String table) {
        return clickHouse.cluster().isPresent() ? ClusterDdl.local(table) : table;
    }

    /**
     * Adds {@code column} to {@code database.table} with {@code alter} (an {@code ALTER TABLE ...
     * ADD COLUMN} statement) unless the table has it already; returns whether the table has it now,
     * as read from ClickHouse after the {@code ALTER}.
     *
     * @throws ClickHouseException when the {@code ALTER} fails and the column is still missing
     */
    public boolean addColumn(String database, String table, String column, String alter) {
        if (columns(database, table).containsKey(column)) {
            return true;
        }
        try {
            Optional<String> cluster = clickHouse.cluster();
            if (cluster.isEmpty()) {
                clickHouse.execute(alter);
            } else {
                List<String> statements = ClusterDdl.alter(alter, cluster.get());
                // The local tables first: the Distributed table may then name the column.
                if (!columns(database, ClusterDdl.local(table)).containsKey(column)) {
                    clickHouse.execute(statements.get(0));
                }
                for (String sql : statements.subList(1, statements.size())) {
                    clickHouse.execute(sql);
                }
            }
        } catch (ClickHouseException e) {
            if (columns(database, table).containsKey(column)) {
                LOG.info(
                        "Column {} of {}.{} was added meanwhile (by another subtask or an earlier"
                                + " attempt): {}",
                        column,
                        database,
                        table,
                        e.getMessage());
                return true;
            }
            throw e;
        }
        return columns(database, table).containsKey(column);
    }

    /**
     * The engine of {@code database.table} as {@code system.tables} names it (for example {@code
     * ReplacingMergeTree}); empty when there is no such table.
     */
    public Optional<String> tableEngine(String database, String table) {
        List<List<String>> rows =
                clickHouse.query(
                        "SELECT engine FROM system.tables WHERE database = "
                                + literal(database)
                                + " AND name = "
                                + literal(table));
        return rows.isEmpty()
                ? Optional.empty()
                : Optional.of(TsvCodec.unescape(rows.get(0).get(0)));
    }

    /**
     * The table TTL of {@code database.table} as the server writes it back (for example {@code
     * _received_at + toIntervalSecond(3600)}); empty when the table has none or does not exist.
     */
    public Optional<String> tableTtl(String database, String table) {
        List<List<String>> rows =
                clickHouse.query(
                        "SELECT engine_full FROM system.tables WHERE database = "
                                + literal(database)
                                + " AND name = "
                                + literal(storageTable(table)));
        return rows.isEmpty() ? Optional.empty() : ttlOf(TsvCodec.unescape(rows.get(0).get(0)));
    }

    /**
     * The TTL clause of an {@code engine_full} text: a MergeTree's clauses come in a fixed order
     * (PARTITION BY, PRIMARY KEY, ORDER BY, SAMPLE BY, TTL, SETTINGS), so it runs from {@code TTL}
     * to {@code SETTINGS} or the end.
     */
    static Optional<String> ttlOf(String engineFull) {
        int start = engineFull.indexOf(" TTL ");
        if (start < 0) {
            return Optional.empty();
        }
        int end = engineFull.indexOf(" SETTINGS ", start);
        return Optional.of(
                engineFull
                        .substring(start + " TTL ".length(), end < 0 ? engineFull.length() : end)
                        .strip());
    }
}
