package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The schema statements without a server: a fake ClickHouse that holds one table's columns, runs an
 * {@code ADD COLUMN} by adding it, and can be told to fail an {@code ALTER} after applying it (as
 * when a failover cuts the response off) or without applying it.
 */
class ClickHouseSchemaTest {
    private static final String ALTER = "ALTER TABLE `db`.`t` ADD COLUMN `c` Nullable(String)";

    /** Each ALTER ... ADD COLUMN adds the column named {@code c}. */
    private static final class FakeClickHouse implements ClickHouseStatements {
        final Map<String, String> columns = new LinkedHashMap<>();
        final List<String> executed = new ArrayList<>();
        final List<String> queried = new ArrayList<>();
        boolean failAlterAfterApplying;
        boolean failAlter;

        @Override
        public List<List<String>> query(String sql) {
            queried.add(sql);
            List<List<String>> rows = new ArrayList<>();
            columns.forEach((name, type) -> rows.add(List.of(name, type)));
            return rows;
        }

        @Override
        public void execute(String sql) {
            executed.add(sql);
            if (sql.startsWith("ALTER")) {
                if (failAlter) {
                    throw new ClickHouseException(sql, 44, "not allowed", false, null);
                }
                columns.put("c", "Nullable(String)");
                if (failAlterAfterApplying) {
                    throw new ClickHouseException(sql, 15, "column c already exists", false, null);
                }
            }
        }

        @Override
        public void insertTsv(String table, List<String> columns, byte[] tsv) {
            throw new UnsupportedOperationException("the schema inserts nothing");
        }

        @Override
        public void close() {}

        @Override
        public String database() {
            return "db";
        }

        @Override
        public ServerVersion serverVersion() {
            return ServerVersion.parse("24.8.1.1");
        }
    }

    private final FakeClickHouse clickHouse = new FakeClickHouse();
    private final ClickHouseSchema schema = new ClickHouseSchema(clickHouse);

    @Test
    void columnsAreReadInTableOrderFromOneSystemColumnsQuery() {
        clickHouse.columns.put("id", "Int64");
        clickHouse.columns.put("tab\\tname", "String"); // TSV-escaped as the server sends it

        assertThat(schema.columns("db", "t"))
                .containsExactly(Map.entry("id", "Int64"), Map.entry("tab\tname", "String"));
        assertThat(clickHouse.queried)
                .containsExactly(
                        "SELECT name, type FROM system.columns WHERE database = 'db' AND table = 't'");
    }

    @Test
    void namesAreQuotedAsStringLiteralsInTheLookup() {
        assertThat(ClickHouseSchema.columnsQuery("d'b", "t\\x"))
                .isEqualTo(
                        "SELECT name, type FROM system.columns WHERE database = 'd\\'b' AND table ="
                                + " 't\\\\x'");
    }

    @Test
    void aMissingColumnIsAddedAndTheTableReadAgain() {
        clickHouse.columns.put("id", "Int64");

        assertThat(schema.addColumn("db", "t", "c", ALTER)).isTrue();
        assertThat(clickHouse.executed).containsExactly(ALTER);
        assertThat(clickHouse.queried).hasSize(2); // before and after the ALTER
    }

    @Test
    void replayingAnAddedColumnRunsNoAlter() {
        clickHouse.columns.put("c", "Nullable(String)");

        assertThat(schema.addColumn("db", "t", "c", ALTER)).isTrue();
        assertThat(schema.addColumn("db", "t", "c", ALTER)).isTrue();
        assertThat(clickHouse.executed).isEmpty();
    }

    @Test
    void anAlterThatFailsButWasAppliedCountsAsDone() {
        clickHouse.failAlterAfterApplying = true;

        assertThat(schema.addColumn("db", "t", "c", ALTER)).isTrue();
    }

    @Test
    void anAlterThatFailsAndLeavesTheColumnMissingFails() {
        clickHouse.failAlter = true;

        assertThatThrownBy(() -> schema.addColumn("db", "t", "c", ALTER))
                .isInstanceOf(ClickHouseException.class)
                .hasMessageContaining("not allowed");
        assertThat(clickHouse.columns).doesNotContainKey("c");
    }

    @Test
    void theTableTtlIsReadFromEngineFull() {
        // As ClickHouse 26.7 writes them back in system.tables.
        assertThat(
                        ClickHouseSchema.ttlOf(
                                "ReplacingMergeTree(_version) ORDER BY (k) TTL _received_at +"
                                        + " toIntervalSecond(3600) SETTINGS index_granularity = 8192"))
                .contains("_received_at + toIntervalSecond(3600)");
        assertThat(ClickHouseSchema.ttlOf("MergeTree ORDER BY k TTL d + toIntervalDay(1)"))
                .contains("d + toIntervalDay(1)");
        assertThat(
                        ClickHouseSchema.ttlOf(
                                "ReplacingMergeTree(_version) ORDER BY (k) SETTINGS"
                                        + " index_granularity = 8192"))
                .isEmpty();
    }

    @Test
    void onlyIdempotentCreatesRun() {
        schema.createDatabase("an`db");
        schema.createTable("CREATE TABLE IF NOT EXISTS `db`.`t` (id Int64) ENGINE = Log");

        assertThat(clickHouse.executed)
                .containsExactly(
                        "CREATE DATABASE IF NOT EXISTS `an\\`db`",
                        "CREATE TABLE IF NOT EXISTS `db`.`t` (id Int64) ENGINE = Log");
        assertThatThrownBy(() -> schema.createTable("CREATE TABLE `db`.`t` (id Int64)"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IF NOT EXISTS");
    }
}
