package io.sluice.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A sharded and replicated ClickHouse 18.16 on one machine: {@code shards × replicas}
 * clickhouse-server processes and a ZooKeeper, each server with the {@code remote_servers} entry of
 * cluster {@value #NAME} (every shard with {@code internal_replication}: a write goes to one
 * replica and the replicated table copies it), the macros {@code {shard}} and {@code {replica}}, an
 * interserver port for replication, and {@code distributed_ddl} for {@code ON CLUSTER}.
 *
 * <p>{@link #kill} and {@link #restart} SIGKILL and restart one replica on its own ports and data,
 * as a crashed server comes back. (After a SIGKILL, 18.16 refuses to reactivate the replica until
 * ZooKeeper expires the dead session, a few seconds with this ZooKeeper's 500 ms tick.)
 */
public final class ClickHouseCluster implements AutoCloseable {
    public static final String NAME = "sluice";

    /** One member: its place in the cluster, ports and home. */
    private record Member(int shard, int replica, Path home, int http, int tcp, int interserver) {}

    private final ZooKeeperServer zookeeper;
    private final List<Member> members;
    private final String remoteServers;
    private final ClickHouseServer[] servers;

    private ClickHouseCluster(ZooKeeperServer zookeeper, List<Member> members) {
        this.zookeeper = zookeeper;
        this.members = members;
        this.servers = new ClickHouseServer[members.size()];
        StringBuilder xml = new StringBuilder("<remote_servers><" + NAME + ">");
        int shard = 0;
        for (Member m : members) {
            if (m.shard() != shard) {
                xml.append(shard == 0 ? "" : "</shard>")
                        .append("<shard><internal_replication>true</internal_replication>");
                shard = m.shard();
            }
            xml.append("<replica><host>127.0.0.1</host><port>")
                    .append(m.tcp())
                    .append("</port></replica>");
        }
        this.remoteServers =
                xml.append("</shard></").append(NAME).append("></remote_servers>").toString();
    }

    /** Starts ZooKeeper and every server under {@code dir}. */
    public static ClickHouseCluster start(Path dir, int shards, int replicas) throws IOException {
        if (shards < 1 || replicas < 1) {
            throw new IllegalArgumentException("a cluster needs at least one shard and replica");
        }
        ZooKeeperServer zk = ZooKeeperServer.start(dir.resolve("zookeeper"));
        List<Member> members = new ArrayList<>();
        for (int s = 1; s <= shards; s++) {
            for (int r = 1; r <= replicas; r++) {
                members.add(
                        new Member(
                                s,
                                r,
                                memberHome(dir, s, r),
                                Processes.freePort(),
                                Processes.freePort(),
                                Processes.freePort()));
            }
        }
        ClickHouseCluster cluster = new ClickHouseCluster(zk, members);
        try {
            for (int i = 0; i < members.size(); i++) {
                cluster.startMember(i);
            }
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        return cluster;
    }

    private void startMember(int i) {
        Member m = members.get(i);
        String extra =
                "<interserver_http_port>"
                        + m.interserver()
                        + "</interserver_http_port>"
                        + "<interserver_http_host>127.0.0.1</interserver_http_host>"
                        + "<zookeeper><node><host>127.0.0.1</host><port>"
                        + zookeeper.port()
                        + "</port></node><session_timeout_ms>5000</session_timeout_ms></zookeeper>"
                        + "<macros><shard>"
                        + m.shard()
                        + "</shard><replica>r"
                        + m.replica()
                        + "</replica></macros>"
                        + "<distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>"
                        + remoteServers;
        servers[i] = ClickHouseServer.start(m.home(), m.http(), m.tcp(), extra);
    }

    private int index(int shard, int replica) {
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).shard() == shard && members.get(i).replica() == replica) {
                return i;
            }
        }
        throw new IllegalArgumentException("no replica " + replica + " of shard " + shard);
    }

    /** The ZooKeeper's process. */
    public long zookeeperPid() {
        return zookeeper.pid();
    }

    /** The home of the member of {@code replica} of {@code shard} under {@code dir}. */
    static Path memberHome(Path dir, int shard, int replica) {
        return dir.resolve("shard" + shard + "-replica" + replica).toAbsolutePath();
    }

    /** The server of {@code replica} of {@code shard} (both from 1). */
    public ClickHouseServer server(int shard, int replica) {
        return servers[index(shard, replica)];
    }

    /** Every server, shard by shard. */
    public List<ClickHouseServer> servers() {
        return List.of(servers);
    }

    /** SIGKILLs one replica: no clean shutdown, as a crash. */
    public void kill(int shard, int replica) throws InterruptedException {
        ClickHouseServer s = server(shard, replica);
        ProcessHandle.of(s.pid())
                .ifPresent(
                        h -> {
                            h.destroyForcibly();
                            h.onExit().join();
                        });
    }

    /** Starts a killed replica again on its own ports and data. */
    public void restart(int shard, int replica) {
        startMember(index(shard, replica));
    }

    @Override
    public void close() {
        for (ClickHouseServer s : servers) {
            if (s != null) {
                s.stop();
            }
        }
        try {
            zookeeper.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
