package io.sluice.connector.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ServerVersion;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.junit.jupiter.api.Test;

class UpsertTableTest {
    private static final ServerVersion OLD = ServerVersion.parse("18.16.1");
    private static final ServerVersion NEW = ServerVersion.parse("23.8.16.40");

    private static final UpsertTable TABLE =
            UpsertTable.of(
                    "analytics",
                    "daily totals",
                    new ResolvedSchema(
                            List.of(
                                    Column.physical("day", DataTypes.DATE().notNull()),
                                    Column.physical("shop`id", DataTypes.INT().notNull()),
                                    Column.physical("revenue", DataTypes.DECIMAL(12, 2)),
                                    Column.physical("last_order", DataTypes.TIMESTAMP(3)),
                                    // not physical: not a ClickHouse column
                                    Column.metadata(
                                            "ignored", DataTypes.TIMESTAMP_LTZ(3), null, true)),
                            List.of(),
                            UniqueConstraint.primaryKey("pk", List.of("day", "shop`id"))));

    @Test
    void createsAReplacingMergeTreeOrderedByThePrimaryKey() {
        assertThat(TABLE.createTableSql(OLD))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `analytics`.`daily totals` (\n"
                                + "    `day` Date,\n"
                                + "    `shop\\`id` Int32,\n"
                                + "    `revenue` Nullable(Decimal(12, 2)),\n"
                                + "    `last_order` Nullable(DateTime('UTC')),\n"
                                + "    `_version` UInt64,\n"
                                + "    `_is_deleted` UInt8\n"
                                + ") ENGINE = ReplacingMergeTree(_version)\n"
                                + "ORDER BY (`day`, `shop\\`id`)");
        assertThat(TABLE.createTableSql(NEW))
                .contains("    `last_order` Nullable(DateTime64(3, 'UTC')),\n");
    }

    @Test
    void writesThePhysicalColumnsThenVersionAndDeletedMark() {
        assertThat(TABLE.insertColumns())
                .containsExactly(
                        "day", "shop`id", "revenue", "last_order", "_version", "_is_deleted");
        assertThat(TABLE.generationsTable()).isEqualTo("daily totals__sluice_generations");
    }

    private static Map<String, String> existing() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("day", "Date");
        c.put("shop`id", "Int32");
        c.put("revenue", "Nullable(Decimal(12, 2))");
        c.put("last_order", "Nullable(DateTime64(3, 'UTC'))");
        c.put("note", "String"); // the table's own: gets its default
        c.put("_version", "UInt64");
        c.put("_is_deleted", "UInt8");
        return c;
    }

    @Test
    void acceptsAnExistingTableThatFits() {
        assertThat(TABLE.mismatch(existing(), "ReplacingMergeTree", OLD)).isEmpty();
        assertThat(TABLE.mismatch(existing(), "ReplicatedReplacingMergeTree", NEW)).isEmpty();
    }

    @Test
    void namesEveryProblemOfAnExistingTable() {
        Map<String, String> c = existing();
        c.remove("_version");
        c.put("revenue", "Float64");
        c.put("shop`id", "Int64");
        String message = TABLE.mismatch(c, "MergeTree", NEW).orElseThrow();
        assertThat(message)
                .contains("`analytics`.`daily totals` exists but does not fit")
                .contains("its engine is MergeTree, not ReplacingMergeTree(_version)")
                .contains("it has no column `_version`")
                .contains("column `revenue` is Float64, the sink writes Nullable(Decimal(12, 2))")
                .contains("column `shop\\`id` is Int64, the sink writes Int32")
                .contains("CREATE TABLE IF NOT EXISTS `analytics`.`daily totals`");
    }
}
