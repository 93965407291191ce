package io.sluice.jobs.mirror;

import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.TableRouting;
import io.sluice.common.config.Redaction;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes mirrored tables: {@code schema.table} goes to {@link TableId#clickHouseName()}, keyed by
 * the Postgres primary key; columns added in Postgres are added to ClickHouse with the type the
 * catalog gives them now (Flink CDC 3.5 emits no DDL events, so a new column is noticed when a
 * change record carries it).
 */
public final class PostgresTableRouting implements TableRouting {
    private static final long serialVersionUID = 1L;

    private final SluiceConfig config;
    private final Map<TableId, List<String>> keys;
    private transient PostgresCatalog catalog;

    /** {@code keys}: the primary key of every captured table, read once when the job is built. */
    public PostgresTableRouting(SluiceConfig config, Map<TableId, List<String>> keys) {
        this.config = config;
        this.keys = Map.copyOf(keys);
    }

    @Override
    public String clickHouseTable(TableId table) {
        return table.clickHouseName();
    }

    @Override
    public List<String> keyColumns(TableId table) {
        List<String> key = keys.get(table);
        if (key == null) {
            throw new IllegalStateException(
                    "change for " + table + ", which is not in postgres.tables " + keys.keySet());
        }
        return key;
    }

    @Override
    public Set<String> addColumns(ClickHouseSchema schema, TableId table, Set<String> missing) {
        PgTable source = read(table);
        Set<String> added = new HashSet<>();
        String database = schema.database();
        var server = schema.serverVersion();
        for (String name : missing) {
            PgColumn column = source.column(name);
            if (column == null) {
                continue; // not in the catalog: nothing to map it from (the sink stops the job)
            }
            String alter =
                    ClickHouseDdl.addColumn(database, table.clickHouseName(), column, server);
            if (schema.addColumn(database, table.clickHouseName(), name, alter)) {
                added.add(name);
            }
        }
        return added;
    }

    private PgTable read(TableId table) {
        try {
            if (catalog == null) {
                catalog = PostgresCatalog.connect(config);
            }
            return catalog.replicatedTable(table)
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "table " + table + " no longer exists in Postgres"));
        } catch (SQLException e) {
            catalog = null;
            throw new IllegalStateException(
                    "cannot read the Postgres catalog for "
                            + table
                            + ": "
                            + Redaction.redact(e.getMessage()),
                    e);
        }
    }

    @Override
    public void close() {
        if (catalog != null) {
            try {
                catalog.close();
            } catch (SQLException e) {
                // Closing a catalog connection at shutdown: nothing depends on it any more.
                org.slf4j.LoggerFactory.getLogger(PostgresTableRouting.class)
                        .debug("closing catalog", e);
            }
            catalog = null;
        }
    }
}
