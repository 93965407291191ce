package io.sluice.jobs.ops;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.kafka.KafkaChangeSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * What an operator checks first: is the slot there and being read, how much WAL it holds back in
 * Postgres, and how far each mirrored table in ClickHouse is behind the WAL. From Kafka, the
 * consumer group's lag on the change topics instead of the slot.
 *
 * <p>Usage: {@code Health --config conf/sluice.yaml [--max-retained-bytes N] [--max-lag-messages
 * M]}; exits 1 when the slot is missing or inactive or holds back more than N bytes of WAL (default
 * 1 GiB), or, from Kafka, when the group has no committed offsets or is more than M messages behind
 * (default 1,000,000).
 */
public final class Health {
    private Health() {}

    /** The slot's state; {@code exists} is false when the slot is missing. */
    public record Slot(
            String name, boolean exists, boolean active, long lagBytes, long retainedBytes) {}

    /**
     * A mirrored table: live rows in ClickHouse and how far its newest change is behind the WAL.
     */
    public record Table(TableId id, long rows, long bytesBehind) {}

    /**
     * From Kafka ({@code source.kind: kafka}): the job's consumer group, whether it has committed
     * offsets for the captured tables' topics (it does at each completed checkpoint), and how many
     * messages those offsets are behind the end of the topics.
     */
    public record GroupLag(String group, int partitions, boolean committed, long messagesBehind) {}

    /** {@code slot} is null when the job reads Kafka, {@code kafka} null when it reads the slot. */
    public record Report(Slot slot, GroupLag kafka, List<Table> tables) {
        public boolean healthy(long maxRetainedBytes, long maxLagMessages) {
            if (kafka != null) {
                return kafka.committed() && kafka.messagesBehind() <= maxLagMessages;
            }
            return slot.exists() && slot.active() && slot.retainedBytes() <= maxRetainedBytes;
        }
    }

    public static void main(String[] args) throws Exception {
        String config = "conf/sluice.yaml";
        long maxRetained = 1L << 30;
        long maxLag = 1_000_000L;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--config")) {
                config = args[i + 1];
            } else if (args[i].equals("--max-retained-bytes")) {
                maxRetained = Long.parseLong(args[i + 1]);
            } else if (args[i].equals("--max-lag-messages")) {
                maxLag = Long.parseLong(args[i + 1]);
            }
        }
        Report r = report(ConfigLoader.load(Path.of(config)));
        Slot s = r.slot();
        GroupLag k = r.kafka();
        if (k != null) {
            System.out.println(
                    k.committed()
                            ? "consumer group "
                                    + k.group()
                                    + ": "
                                    + k.messagesBehind()
                                    + " messages behind on "
                                    + k.partitions()
                                    + " partitions of the change topics"
                            : "consumer group "
                                    + k.group()
                                    + ": NO OFFSETS committed for the change topics (the job has"
                                    + " not completed a checkpoint yet, or is not running)");
        } else if (!s.exists()) {
            System.out.println(
                    "slot "
                            + s.name()
                            + ": MISSING (the mirror job has not started, or the slot was dropped)");
        } else {
            System.out.printf(
                    "slot %s: %s, confirmed %s behind the WAL, holds back %s of WAL%n",
                    s.name(),
                    s.active() ? "active" : "INACTIVE (no job is reading it)",
                    bytes(s.lagBytes()),
                    bytes(s.retainedBytes()));
        }
        System.out.printf(
                "%-28s %12s  %s%n",
                "table", "rows", "WAL written since its newest mirrored change");
        for (Table t : r.tables()) {
            System.out.printf(
                    "%-28s %12d  %s%n", t.id().qualified(), t.rows(), bytes(t.bytesBehind()));
        }
        boolean ok = r.healthy(maxRetained, maxLag);
        System.out.println(ok ? "healthy" : "UNHEALTHY");
        System.exit(ok ? 0 : 1);
    }

    public static Report report(SluiceConfig config) throws SQLException {
        String slotName = config.get(PostgresSourceOptions.SLOT);
        try (Connection pg = PostgresCatalog.openConnection(config);
                ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            GroupLag kafka = SourceOptions.fromKafka(config) ? KafkaChangeSource.lag(config) : null;
            Slot slot = kafka != null ? null : new Slot(slotName, false, false, 0, 0);
            try (PreparedStatement ps =
                    pg.prepareStatement(
                            "SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint,"
                                    + " pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint"
                                    + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (kafka == null && rs.next()) {
                        slot =
                                new Slot(
                                        slotName,
                                        true,
                                        rs.getBoolean(1),
                                        rs.getLong(2),
                                        rs.getLong(3));
                    }
                }
            }
            long currentLsn;
            try (PreparedStatement ps =
                            pg.prepareStatement(
                                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
                    ResultSet rs = ps.executeQuery()) {
                rs.next();
                currentLsn = rs.getLong(1);
            }
            List<Table> tables = new ArrayList<>();
            for (TableId id : config.tables()) {
                List<List<String>> row =
                        ch.query(
                                "SELECT countIf(NOT _is_deleted), max(_lsn) FROM "
                                        + ClickHouseSql.identifier(id.clickHouseName())
                                        + " FINAL");
                long rows = Long.parseLong(row.get(0).get(0));
                long newest = Long.parseUnsignedLong(row.get(0).get(1));
                tables.add(
                        new Table(
                                id,
                                rows,
                                newest == 0 ? currentLsn : Math.max(0, currentLsn - newest)));
            }
            return new Report(slot, kafka, tables);
        }
    }

    private static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1 << 20) {
            return String.format("%.1f KiB", b / 1024.0);
        }
        if (b < 1 << 30) {
            return String.format("%.1f MiB", b / (1024.0 * 1024));
        }
        return String.format("%.2f GiB", b / (1024.0 * 1024 * 1024));
    }
}
