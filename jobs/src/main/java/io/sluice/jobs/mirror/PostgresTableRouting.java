package io.sluice.jobs.mirror;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TableRouting;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.HashMap;
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
    private transient PostgresCatalog catalog;
    private transient Map<TableId, List<String>> keys;

    public PostgresTableRouting(SluiceConfig config) {
        this.config = config;
    }

    @Override
    public String clickHouseTable(TableId table) {
        return table.clickHouseName();
    }

    @Override
    public List<String> keyColumns(TableId table) {
        if (keys == null) {
            keys = new HashMap<>();
        }
        return keys.computeIfAbsent(
                table, t -> read(t).primaryKey().stream().map(PgColumn::name).toList());
    }

    @Override
    public Set<String> addColumns(
            ClickHouseConnection clickHouse, TableId table, Set<String> missing) {
        PgTable source = read(table);
        Set<String> added = new HashSet<>();
        var server = clickHouse.serverVersion();
        for (String name : missing) {
            PgColumn column = source.column(name);
            if (column == null) {
                continue; // gone from Postgres again: nothing to map it from
            }
            String exists =
                    clickHouse.queryValue(
                            "SELECT count() FROM system.columns WHERE database = '"
                                    + clickHouse.database()
                                    + "' AND table = '"
                                    + table.clickHouseName()
                                    + "' AND name = '"
                                    + name.replace("'", "\\'")
                                    + "'");
            if ("0".equals(exists)) {
                clickHouse.execute(
                        ClickHouseDdl.addColumn(
                                clickHouse.database(), table.clickHouseName(), column, server));
            }
            added.add(name);
        }
        return added;
    }

    private PgTable read(TableId table) {
        try {
            if (catalog == null) {
                catalog = PostgresCatalog.connect(config);
            }
            return catalog.table(table)
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "table " + table + " no longer exists in Postgres"));
        } catch (SQLException e) {
            catalog = null;
            throw new IllegalStateException(
                    "cannot read the Postgres catalog for " + table + ": " + e.getMessage(), e);
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
