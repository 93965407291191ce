package io.sluice.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local 2 shards × 2 replicas of ClickHouse 18.16 and ZooKeeper that the cluster mode is to be
 * tested on: ON CLUSTER DDL reaches every server, a write through the Distributed table lands on
 * both replicas of the shard its key hashes to, a replica SIGKILLed while writes go on catches up
 * after its restart, and reads through the Distributed table with FINAL give one row per key.
 */
class ClickHouseClusterIT {
    private static final Map<String, String> SYNC = Map.of("insert_distributed_sync", "1");

    /**
     * 18.16 fails a FINAL read through a Distributed table on a server that holds a replica
     * ("Cannot find column _version in source stream") unless the local replica is queried like a
     * remote one.
     */
    private static final Map<String, String> READ = Map.of("prefer_localhost_replica", "0");

    @Test
    void ddlReplicationAndAReplicaKill(@TempDir Path unused) throws Exception {
        Path dir = Path.of("/tmp/chc");
        try (ClickHouseCluster cluster = ClickHouseCluster.start(dir, 2, 2)) {
            ClickHouseServer first = cluster.server(1, 1);
            first.query("CREATE DATABASE IF NOT EXISTS kit ON CLUSTER " + ClickHouseCluster.NAME);
            first.query(
                    "CREATE TABLE IF NOT EXISTS kit.t_local ON CLUSTER "
                            + ClickHouseCluster.NAME
                            + " (k UInt64, s String, v UInt64) ENGINE ="
                            + " ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/kit/t_local',"
                            + " '{replica}', v) ORDER BY k");
            first.query(
                    "CREATE TABLE IF NOT EXISTS kit.t ON CLUSTER "
                            + ClickHouseCluster.NAME
                            + " AS kit.t_local ENGINE = Distributed("
                            + ClickHouseCluster.NAME
                            + ", kit, t_local, cityHash64(k))");
            for (ClickHouseServer s : cluster.servers()) {
                assertThat(s.query("EXISTS TABLE kit.t")).as(s.toString()).isEqualTo("1\n");
            }
            first.query("INSERT INTO kit.t SELECT number, 'old', 1 FROM numbers(1000)", SYNC);
            cluster.kill(1, 2);
            first.query("INSERT INTO kit.t SELECT number, 'new', 2 FROM numbers(500)", SYNC);
            cluster.restart(1, 2);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!sameOnBothReplicas(cluster) && System.nanoTime() < deadline) {
                Thread.sleep(500); // replication catches up from ZooKeeper's log
            }
            assertThat(sameOnBothReplicas(cluster)).as("each shard's replicas agree").isTrue();
            long shard1 = count(cluster.server(1, 1), "SELECT count() FROM kit.t_local FINAL");
            long shard2 = count(cluster.server(2, 1), "SELECT count() FROM kit.t_local FINAL");
            assertThat(shard1).as("both shards hold keys").isPositive();
            assertThat(shard1 + shard2).as("keys across the shards").isEqualTo(1000);
            for (ClickHouseServer s : cluster.servers()) {
                assertThat(
                                s.query(
                                        "SELECT count(), countIf(s = 'new') FROM (SELECT * FROM kit.t FINAL)",
                                        READ))
                        .as("read through " + s)
                        .isEqualTo("1000\t500\n");
            }
        }
    }

    private static boolean sameOnBothReplicas(ClickHouseCluster cluster) {
        for (int shard = 1; shard <= 2; shard++) {
            String sql = "SELECT count(), sum(v) FROM kit.t_local";
            try {
                if (!cluster.server(shard, 1)
                        .query(sql)
                        .equals(cluster.server(shard, 2).query(sql))) {
                    return false;
                }
            } catch (IllegalStateException notYet) {
                // Right after its restart, a SIGKILLed 18.16 replica answers "table doesn't
                // exist" for a moment, until it has attached its replicated tables.
                return false;
            }
        }
        return true;
    }

    private static long count(ClickHouseServer s, String sql) {
        return Long.parseLong(s.query(sql).strip());
    }
}
