package io.sluice.connector.clickhouse;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;
import static io.sluice.common.clickhouse.ClickHouseSql.qualified;

import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.schema.ClickHouseDdl;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * The ClickHouse table a sink writes: its Flink columns (the physical ones, in order), their types,
 * the primary key, and the two columns the sink adds, {@code _version UInt64} and {@code
 * _is_deleted UInt8}. Knows the table's {@code CREATE TABLE} text and checks an existing table
 * against it. The table is a {@code ReplacingMergeTree(_version)} ordered by the primary key, so
 * ClickHouse keeps, per key, the row with the highest version; readers query {@code SELECT ... FROM
 * t FINAL WHERE _is_deleted = 0}.
 */
public final class UpsertTable implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Suffix of the side table recording each writer's generation (see {@code SinkVersions}). */
    public static final String GENERATIONS_SUFFIX = "__sluice_generations";

    private final String database;
    private final String table;
    private final List<String> columns;
    private final List<LogicalType> types;
    private final List<String> keyColumns;

    UpsertTable(
            String database,
            String table,
            List<String> columns,
            List<LogicalType> types,
            List<String> keyColumns) {
        this.database = database;
        this.table = table;
        this.columns = List.copyOf(columns);
        this.types = List.copyOf(types);
        this.keyColumns = List.copyOf(keyColumns);
    }

    /**
     * The table for a Flink schema, or a {@link ValidationException} saying what the schema lacks
     * (a primary key) or has that the sink cannot write (a type, a reserved column name).
     */
    public static UpsertTable of(String database, String table, ResolvedSchema schema) {
        Optional<UniqueConstraint> key = schema.getPrimaryKey();
        if (key.isEmpty()) {
            throw new ValidationException(
                    "The clickhouse connector is an upsert sink and needs the table's primary key:"
                            + " declare it with PRIMARY KEY (...) NOT ENFORCED (the key of the rows"
                            + " the query produces, for example its GROUP BY columns). It becomes"
                            + " the ORDER BY of the ReplacingMergeTree table.");
        }
        List<String> names = new ArrayList<>();
        List<LogicalType> types = new ArrayList<>();
        for (Column c : schema.getColumns()) {
            if (!c.isPhysical()) {
                continue;
            }
            if (ClickHouseDdl.VERSION.equals(c.getName())
                    || ClickHouseDdl.IS_DELETED.equals(c.getName())) {
                throw new ValidationException(
                        "Column '"
                                + c.getName()
                                + "' is reserved: the clickhouse connector adds "
                                + ClickHouseDdl.VERSION
                                + " and "
                                + ClickHouseDdl.IS_DELETED
                                + " to every table itself. Rename the column.");
            }
            LogicalType type = c.getDataType().getLogicalType();
            ClickHouseTypes.checkSupported(c.getName(), type);
            names.add(c.getName());
            types.add(type);
        }
        return new UpsertTable(database, table, names, types, key.get().getColumns());
    }

    public String database() {
        return database;
    }

    public String table() {
        return table;
    }

    /** The Flink columns, in the order of the sink's rows. */
    public List<String> columns() {
        return columns;
    }

    public List<LogicalType> types() {
        return types;
    }

    public List<String> keyColumns() {
        return keyColumns;
    }

    public boolean isKey(int column) {
        return keyColumns.contains(columns.get(column));
    }

    /** The columns an INSERT names: the Flink columns, then {@code _version, _is_deleted}. */
    public List<String> insertColumns() {
        List<String> all = new ArrayList<>(columns);
        all.add(ClickHouseDdl.VERSION);
        all.add(ClickHouseDdl.IS_DELETED);
        return all;
    }

    /** The side table of the writers' generations. */
    public String generationsTable() {
        return table + GENERATIONS_SUFFIX;
    }

    /** Each insert column's ClickHouse type, as the sink would create it. */
    public List<String> clickHouseTypes(ServerVersion server) {
        List<String> t = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            t.add(ClickHouseTypes.columnType(types.get(i), isKey(i), server));
        }
        t.add("UInt64");
        t.add("UInt8");
        return t;
    }

    /** {@code CREATE TABLE IF NOT EXISTS}, in the one dialect of ClickHouse 18.16 and 23+. */
    public String createTableSql(ServerVersion server) {
        List<String> names = insertColumns();
        List<String> chTypes = clickHouseTypes(server);
        StringBuilder sql =
                new StringBuilder("CREATE TABLE IF NOT EXISTS ")
                        .append(qualified(database, table))
                        .append(" (\n");
        for (int i = 0; i < names.size(); i++) {
            sql.append("    ")
                    .append(identifier(names.get(i)))
                    .append(' ')
                    .append(chTypes.get(i))
                    .append(i + 1 < names.size() ? ",\n" : "\n");
        }
        // The engine's argument unquoted, as in the mirror's tables (ClickHouseDdl).
        return sql.append(") ENGINE = ReplacingMergeTree(")
                .append(ClickHouseDdl.VERSION)
                .append(")\nORDER BY (")
                .append(
                        keyColumns.stream()
                                .map(c -> identifier(c))
                                .collect(Collectors.joining(", ")))
                .append(")")
                .toString();
    }

    /**
     * The problems of an existing table, empty when the sink can write it: its engine must be a
     * ReplacingMergeTree, and it must have every insert column with a compatible type (columns of
     * its own beyond those get their defaults). The message shows the table the sink would create.
     */
    public Optional<String> mismatch(
            Map<String, String> existingColumns, String engine, ServerVersion server) {
        List<String> problems = new ArrayList<>();
        if (!engine.endsWith("ReplacingMergeTree")) {
            problems.add(
                    "its engine is "
                            + engine
                            + ", not ReplacingMergeTree("
                            + ClickHouseDdl.VERSION
                            + "): updates and deletes would pile up as extra rows");
        }
        List<String> names = insertColumns();
        List<String> expected = clickHouseTypes(server);
        for (int i = 0; i < names.size(); i++) {
            String actual = existingColumns.get(names.get(i));
            if (actual == null) {
                problems.add("it has no column " + identifier(names.get(i)));
            } else if (!ClickHouseTypes.compatible(expected.get(i), actual)) {
                problems.add(
                        "column "
                                + identifier(names.get(i))
                                + " is "
                                + actual
                                + ", the sink writes "
                                + expected.get(i));
            }
        }
        if (problems.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(
                "ClickHouse table "
                        + qualified(database, table)
                        + " exists but does not fit the Flink table: "
                        + String.join("; ", problems)
                        + ". Alter or drop it, or name another 'table-name'. The sink would create"
                        + " it as:\n"
                        + createTableSql(server));
    }
}
