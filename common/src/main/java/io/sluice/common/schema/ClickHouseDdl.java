package io.sluice.common.schema;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;
import static io.sluice.common.clickhouse.ClickHouseSql.qualified;

import io.sluice.common.clickhouse.ServerVersion;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The DDL of a mirrored table, in the one dialect ClickHouse 18.16 and 23+ both accept. A mirrored
 * table holds every version of every row; {@code ReplacingMergeTree(_version)} keeps the latest,
 * and queries read {@code FINAL ... WHERE NOT _is_deleted}.
 */
public final class ClickHouseDdl {
    /** Position of the change in the source (its LSN; 0 for snapshot rows). */
    public static final String VERSION = "_version";

    /** 1 for a row written by a delete. */
    public static final String IS_DELETED = "_is_deleted";

    /** The source LSN of the change (0 for snapshot rows). */
    public static final String LSN = "_lsn";

    public static final List<String> METADATA_COLUMNS = List.of(VERSION, IS_DELETED, LSN);

    private ClickHouseDdl() {}

    public static String createMirrorTable(
            String database, String table, PgTable source, ServerVersion server) {
        String columns =
                source.columns().stream()
                        .map(
                                c ->
                                        "    "
                                                + identifier(c.name())
                                                + " "
                                                + TypeMapping.clickHouseType(c, server))
                        .collect(Collectors.joining(",\n"));
        String orderBy =
                source.primaryKey().stream()
                        .map(c -> identifier(c.name()))
                        .collect(Collectors.joining(", "));
        return "CREATE TABLE IF NOT EXISTS "
                + qualified(database, table)
                + " (\n"
                + columns
                + ",\n    "
                + identifier(VERSION)
                + " UInt64,\n    "
                + identifier(IS_DELETED)
                + " UInt8,\n    "
                + identifier(LSN)
                + " UInt64\n) ENGINE = ReplacingMergeTree("
                + VERSION
                + ")\nORDER BY ("
                + orderBy
                + ")";
    }

    public static String addColumn(
            String database, String table, PgColumn column, ServerVersion server) {
        // A column added to an existing Postgres table is never part of its primary key.
        return "ALTER TABLE "
                + qualified(database, table)
                + " ADD COLUMN "
                + identifier(column.name())
                + " "
                + TypeMapping.clickHouseType(column, server)
                + defaultClause(column, server);
    }

    private static String defaultClause(PgColumn column, ServerVersion server) {
        String value = TypeMapping.clickHouseDefault(column, server);
        return value == null ? "" : " DEFAULT " + value;
    }
}
