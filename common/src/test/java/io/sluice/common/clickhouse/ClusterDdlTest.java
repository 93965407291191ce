package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cluster form of the single-server DDL, from the statements the DDL builders write. That the
 * servers accept it, and that reads through it are exact, is ClickHouseClusterModeIT's.
 */
class ClusterDdlTest {
    private static final ServerVersion LEGACY = ServerVersion.parse("18.16.1");

    @Test
    void aMirrorTableBecomesAReplicatedLocalTableUnderADistributedOneShardedByItsKey() {
        PgTable orders =
                new PgTable(
                        new TableId("public", "orders"),
                        List.of(
                                new PgColumn("tenant", "bigint", false, true, 1),
                                new PgColumn("order id", "bigint", false, true, 2),
                                new PgColumn("note", "text", false, false, 0)));
        String create = ClickHouseDdl.createMirrorTable("my db", "orders", orders, LEGACY);

        List<String> cluster = ClusterDdl.createTable(create, "c1");

        assertThat(cluster).hasSize(2);
        assertThat(cluster.get(0))
                .startsWith("CREATE TABLE IF NOT EXISTS `my db`.`orders_local` ON CLUSTER `c1` (")
                .contains(
                        ") ENGINE = ReplicatedReplacingMergeTree("
                                + "'/clickhouse/tables/{shard}/my db/orders_local', '{replica}',"
                                + " _version)")
                .endsWith("ORDER BY (`tenant`, `order id`)");
        // The columns are the single-server table's, as written.
        String columns = create.substring(create.indexOf(" ("), create.lastIndexOf(") ENGINE"));
        assertThat(cluster.get(0)).contains(columns);
        assertThat(cluster.get(1))
                .isEqualTo(
                        "CREATE TABLE IF NOT EXISTS `my db`.`orders` ON CLUSTER `c1` AS"
                                + " `my db`.`orders_local` ENGINE = Distributed(`c1`, `my db`,"
                                + " `orders_local`, cityHash64(toString(`tenant`), toString(`order id`)))");
    }

    @Test
    void tablesWithAUserInTheirKeyAreShardedByUser() {
        String create =
                "CREATE TABLE IF NOT EXISTS `a`.`events` (`event_id` String, `user_id` String,"
                        + " `_version` UInt64) ENGINE = ReplacingMergeTree(_version) PARTITION BY"
                        + " toYYYYMM(occurred_at) ORDER BY (event_name, occurred_at, user_id,"
                        + " event_id)";

        List<String> cluster = ClusterDdl.createTable(create, "c1");

        assertThat(cluster.get(0))
                .contains(
                        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/a/events_local',"
                                + " '{replica}', _version) PARTITION BY toYYYYMM(occurred_at)");
        assertThat(cluster.get(1)).endsWith("`events_local`, cityHash64(toString(user_id)))");
        assertThat(ClusterDdl.databaseOf(create)).isEqualTo("a");
        assertThat(ClusterDdl.tableOf(create)).isEqualTo("events");
    }

    @Test
    void anEngineWithoutArgumentsGetsOnlyThePathAndReplica() {
        List<String> cluster = ClusterDdl.createTable(MirrorDeadLetters.createTable("m"), "c1");

        assertThat(cluster.get(0))
                .contains(
                        "ENGINE = ReplicatedReplacingMergeTree("
                                + "'/clickhouse/tables/{shard}/m/_sluice_dead_letters_local',"
                                + " '{replica}')\nORDER BY");
        assertThat(cluster.get(1))
                .endsWith("cityHash64(toString(source_table), toString(row_key), toString(_lsn)))");
    }

    @Test
    void theShardingKeySplitsTheSortKeyOutsideParenthesesAndQuotes() {
        assertThat(ClusterDdl.shardingKey(" ORDER BY (`a,b`, toDate(at, 'UTC'))"))
                .isEqualTo("cityHash64(toString(`a,b`), toString(toDate(at, 'UTC')))");
    }

    @Test
    void columnChangesReachBothTablesAndStorageChangesTheLocalOnes() {
        assertThat(ClusterDdl.alter("ALTER TABLE `d`.`t` ADD COLUMN `c` String", "c1"))
                .containsExactly(
                        "ALTER TABLE `d`.`t_local` ON CLUSTER `c1` ADD COLUMN `c` String",
                        "ALTER TABLE `d`.`t` ON CLUSTER `c1` ADD COLUMN `c` String");
        assertThat(ClusterDdl.alter("ALTER TABLE `d`.`t` DELETE WHERE `_version` <= 7", "c1"))
                .containsExactly(
                        "ALTER TABLE `d`.`t_local` ON CLUSTER `c1` DELETE WHERE `_version` <= 7");
    }

    @Test
    void aReplicatedOrForeignStatementIsRefused() {
        assertThatThrownBy(
                        () ->
                                ClusterDdl.createTable(
                                        "CREATE TABLE IF NOT EXISTS `d`.`t` (a UInt8) ENGINE ="
                                                + " ReplicatedMergeTree('/p', 'r') ORDER BY (a)",
                                        "c1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a single-server MergeTree table");
        assertThatThrownBy(() -> ClusterDdl.alter("DROP TABLE `d`.`t`", "c1"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
