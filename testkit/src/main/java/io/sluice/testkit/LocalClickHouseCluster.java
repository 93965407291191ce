package io.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * The local ClickHouse cluster of {@code ./sluice up --clickhouse-shards S --clickhouse-replicas
 * R}: a {@link ClickHouseCluster} left running when the launcher's JVM exits, with its layout and
 * ZooKeeper recorded under {@code dir}, so that {@code status}, {@code env} and {@code down} (other
 * processes) find it.
 */
final class LocalClickHouseCluster {
    private final Path dir;

    LocalClickHouseCluster(Path dir) {
        this.dir = dir.toAbsolutePath();
    }

    /** The recorded layout: shards and replicas, and the ZooKeeper's pid and port. */
    Optional<Properties> state() {
        return Daemons.readState(dir);
    }

    int shards(Properties state) {
        return (int) Daemons.number(state, "shards", dir);
    }

    int replicas(Properties state) {
        return (int) Daemons.number(state, "replicas", dir);
    }

    /** The first replica of the first shard: where the jobs connect. */
    Optional<ClickHouseServer> entry() {
        return state().flatMap(
                        s -> ClickHouseServer.running(ClickHouseCluster.memberHome(dir, 1, 1)));
    }

    /** Starts the cluster unless it runs, and creates {@code database} on every server. */
    void up(int shards, int replicas, String database) {
        Optional<Properties> running = state();
        if (running.isPresent() && entry().isPresent()) {
            Properties s = running.get();
            if (shards(s) != shards || replicas(s) != replicas) {
                throw new IllegalStateException(
                        "a ClickHouse cluster of "
                                + shards(s)
                                + " shard(s) × "
                                + replicas(s)
                                + " replica(s) is running; ./sluice down first to start another");
            }
            System.out.println(
                    "ClickHouse cluster '"
                            + ClickHouseCluster.NAME
                            + "' is already running ("
                            + shards
                            + " shard(s) × "
                            + replicas
                            + " replica(s))");
        } else {
            long t0 = System.nanoTime();
            ClickHouseCluster cluster;
            try {
                cluster = ClickHouseCluster.start(dir, shards, replicas);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start the ClickHouse cluster in " + dir, e);
            }
            Properties state = new Properties();
            state.setProperty("shards", Integer.toString(shards));
            state.setProperty("replicas", Integer.toString(replicas));
            state.setProperty("zookeeper_pid", Long.toString(cluster.zookeeperPid()));
            Daemons.writeState(dir, state, "ClickHouse cluster started by ./sluice up");
            System.out.printf(
                    "ClickHouse cluster '%s' started in %d ms: %d shard(s) × %d replica(s) and a"
                            + " ZooKeeper%n",
                    ClickHouseCluster.NAME, (System.nanoTime() - t0) / 1_000_000, shards, replicas);
            for (ClickHouseServer s : cluster.servers()) {
                System.out.println("  " + s);
            }
        }
        entry().orElseThrow()
                .query(
                        "CREATE DATABASE IF NOT EXISTS "
                                + database
                                + " ON CLUSTER "
                                + ClickHouseCluster.NAME);
    }

    /** Stops every member and the ZooKeeper; false when no cluster was recorded. */
    boolean down() {
        Optional<Properties> state = state();
        if (state.isEmpty()) {
            return false;
        }
        Properties s = state.get();
        for (int shard = 1; shard <= shards(s); shard++) {
            for (int replica = 1; replica <= replicas(s); replica++) {
                ClickHouseServer.running(ClickHouseCluster.memberHome(dir, shard, replica))
                        .ifPresent(ClickHouseServer::stop);
            }
        }
        long zookeeper = Daemons.number(s, "zookeeper_pid", dir);
        if (Processes.liveCommandLine(zookeeper, dir.resolve("zookeeper").toString()).isPresent()) {
            ZooKeeperServer.stop(zookeeper);
        }
        Daemons.clearState(dir);
        System.out.println("ClickHouse cluster stopped");
        return true;
    }

    /** One line per member for {@code ./sluice status}; false when one is down. */
    boolean status() {
        Optional<Properties> state = state();
        if (state.isEmpty()) {
            return true;
        }
        boolean up = true;
        Properties s = state.get();
        for (int shard = 1; shard <= shards(s); shard++) {
            for (int replica = 1; replica <= replicas(s); replica++) {
                Optional<ClickHouseServer> member =
                        ClickHouseServer.running(ClickHouseCluster.memberHome(dir, shard, replica));
                String name = "clickhouse shard " + shard + " replica " + replica;
                if (member.isEmpty()) {
                    System.out.println(name + "  stopped");
                    up = false;
                } else {
                    System.out.printf(
                            "%s  running  port %d (http)  pid %d%n",
                            name, member.get().httpPort(), member.get().pid());
                }
            }
        }
        return up;
    }
}
