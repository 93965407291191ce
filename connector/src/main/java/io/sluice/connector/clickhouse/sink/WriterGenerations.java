package io.sluice.connector.clickhouse.sink;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;
import static io.sluice.common.clickhouse.ClickHouseSql.qualified;

import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseStatements;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.connector.clickhouse.UpsertTable;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Takes a writer's generation ({@link SinkVersions}) and records it in the side table {@code
 * <table>__sluice_generations}, one row per writer start:
 *
 * <pre>
 * generation UInt32, subtask UInt32, attempt UInt32, started DateTime DEFAULT now()
 * ENGINE = MergeTree() ORDER BY generation
 * </pre>
 *
 * Why a side table rather than {@code max(_version) >> 40} of the table itself: that reads the
 * whole {@code _version} column at every writer start of every subtask, which grows with the table;
 * the side table holds a row per writer start and also tells an operator when each generation
 * began. It is recorded before the writer writes its first row, so a run whose rows reached
 * ClickHouse is always recorded. When the side table is empty (new, or dropped by someone) the
 * generation is taken from the table's own {@code max(_version) >> 40} once, so a dropped side
 * table cannot make a new run lose to an old one.
 */
final class WriterGenerations {
    private final ClickHouseStatements clickHouse;
    private final UpsertTable table;

    WriterGenerations(ClickHouseStatements clickHouse, UpsertTable table) {
        this.clickHouse = clickHouse;
        this.table = table;
    }

    /** The side table's DDL, valid on ClickHouse 18.16 and 23+. */
    String createSql() {
        return "CREATE TABLE IF NOT EXISTS "
                + qualified(table.database(), table.generationsTable())
                + " (\n    generation UInt32,\n    subtask UInt32,\n    attempt UInt32,\n"
                + "    started DateTime DEFAULT now()\n) ENGINE = MergeTree()\nORDER BY generation";
    }

    String highestRecordedSql() {
        return "SELECT max(generation) FROM "
                + qualified(table.database(), table.generationsTable());
    }

    String highestWrittenSql() {
        return "SELECT max("
                + identifier(ClickHouseDdl.VERSION)
                + ") FROM "
                + qualified(table.database(), table.table());
    }

    /**
     * Creates the side table if needed, takes the generation after the highest recorded (or, with
     * none recorded, after the highest in the table's versions), records it and returns it.
     */
    long takeNext(ClickHouseSchema schema, int subtask, int attempt) {
        schema.createTable(createSql());
        long highest = single(highestRecordedSql());
        if (highest == 0) {
            highest = SinkVersions.generationOf(single(highestWrittenSql()));
        }
        long generation = SinkVersions.nextGeneration(highest);
        String row = generation + "\t" + subtask + "\t" + attempt + "\n";
        clickHouse.insertTsv(
                table.generationsTable(),
                List.of("generation", "subtask", "attempt"),
                row.getBytes(StandardCharsets.US_ASCII));
        return generation;
    }

    private long single(String sql) {
        List<List<String>> rows = clickHouse.query(sql);
        if (rows.isEmpty() || rows.get(0).isEmpty()) {
            return 0;
        }
        String value = TsvCodec.unescape(rows.get(0).get(0));
        return TsvCodec.isNull(rows.get(0).get(0)) || value.isEmpty()
                ? 0
                : Long.parseUnsignedLong(value);
    }
}
