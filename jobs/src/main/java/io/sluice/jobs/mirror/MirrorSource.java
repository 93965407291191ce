package io.sluice.jobs.mirror;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.cdc.connectors.base.options.StartupOptions;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder;
import org.apache.flink.cdc.connectors.postgres.source.PostgresSourceBuilder.PostgresIncrementalSource;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;

/**
 * The Flink CDC Postgres source over the configured tables: pgoutput, one slot, incremental
 * snapshot (checkpointed in chunks) and then streaming. The settings below avoid the defaults of
 * Flink CDC 3.5 that do not suit a mirror; each is explained where it is set.
 */
public final class MirrorSource {
    private MirrorSource() {}

    /** The captured tables' columns logical replication does not deliver (generated, before 18). */
    private static Map<TableId, Set<String>> unreplicatedColumns(SluiceConfig config) {
        try (PostgresCatalog catalog = PostgresCatalog.connect(config)) {
            return catalog.unreplicatedColumns(config.tables());
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read the Postgres catalog of the captured tables: " + e.getMessage(),
                    e);
        }
    }

    /** How long a snapshot connection may sit idle in its transaction (see below). */
    static final int SNAPSHOT_IDLE_TIMEOUT_S = 5;

    /** The source of a run whose snapshot rows are versioned at {@code anchor}. */
    public static PostgresIncrementalSource<ChangeRecord> create(
            SluiceConfig config, io.sluice.jobs.ops.Resync.Anchor anchor) {
        return create(config, anchor.lsn(), anchor.commitMs());
    }

    /**
     * @param snapshotVersion version of the snapshot rows (the run's anchor, a WAL position)
     * @param snapshotCommitMs the database time at that position
     */
    public static PostgresIncrementalSource<ChangeRecord> create(
            SluiceConfig config, long snapshotVersion, long snapshotCommitMs) {
        Map<TableId, Set<String>> unreplicated = unreplicatedColumns(config);
        return create(
                config,
                catchUp ->
                        new ChangeRecordDeserializer(
                                snapshotVersion, snapshotCommitMs, unreplicated, catchUp));
    }

    /**
     * The source with the same Debezium settings and slot protocol, each {@code SourceRecord}
     * turned into a {@code T} by the deserializer {@code records} makes (given where the snapshot's
     * catch-up ends): the publish mode's, which writes them to Kafka as they are.
     */
    public static <T> PostgresIncrementalSource<T> create(
            SluiceConfig config,
            java.util.function.Function<SnapshotCatchUp, DebeziumDeserializationSchema<T>>
                    records) {
        Properties debezium = new Properties();
        // Sluice creates the publication for exactly the captured tables (PostgresCatalog);
        // Debezium must not create one FOR ALL TABLES.
        debezium.setProperty("publication.name", config.get(PostgresSourceOptions.PUBLICATION));
        debezium.setProperty("publication.autocreate.mode", "disabled");
        // Numerics keep every digit as text (Debezium's default turns > 38 digits into NULL).
        debezium.setProperty("decimal.handling.mode", "string");
        // ... and then writes NaN as "NAN"; the source type on the field tells the deserializer
        // which strings are numerics, so that it can restore Postgres' own "NaN".
        debezium.setProperty("datatype.propagate.source.type", "(?i).+\\.numeric");
        debezium.setProperty("interval.handling.mode", "string");
        debezium.setProperty("hstore.handling.mode", "json");
        debezium.setProperty("binary.handling.mode", "bytes");
        // Columns of types Debezium does not know are passed on (as bytes), not left out.
        debezium.setProperty("include.unknown.datatypes", "true");
        // Untouched TOASTed values arrive as this marker; the sink keeps the current value.
        debezium.setProperty(
                "unavailable.value.placeholder", ChangeRecordDeserializer.UNCHANGED_TOAST);
        // Debezium 1.9's Postgres connector still reads the deprecated name for TOAST.
        debezium.setProperty("toasted.value.placeholder", ChangeRecordDeserializer.UNCHANGED_TOAST);
        // Flink CDC 3.5 reads each snapshot chunk in a transaction it never ends, and leaves the
        // connection behind when it moves on to the next chunk or fails over inside a live
        // TaskManager: idle in transaction, holding read locks that queue an ALTER TABLE, and
        // every query on the table behind the ALTER (SnapshotLockIT saw nine such sessions, 20 s
        // old). Postgres ends them after this long. Debezium runs these statements on every JDBC
        // connection it opens (chunk readers, slot queries), not on the replication connection.
        debezium.setProperty(
                "database.initial.statements",
                "SET idle_in_transaction_session_timeout = '" + SNAPSHOT_IDLE_TIMEOUT_S + "s'");
        // The queue a chunk is read into holds a whole chunk, so reading one never waits on
        // the job mid-transaction (which the timeout above would end): only the transactions
        // left open after their chunk was read sit idle.
        int chunk = config.get(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE);
        debezium.setProperty("max.queue.size", Integer.toString(Math.max(8192, chunk + 2048)));

        String[] tables = config.tables().stream().map(TableId::qualified).toArray(String[]::new);
        String[] schemas =
                config.tables().stream().map(TableId::schema).distinct().toArray(String[]::new);
        PostgresSourceBuilder<T> builder = PostgresIncrementalSource.<T>builder();
        builder.hostname(config.get(PostgresSourceOptions.HOST))
                .port(config.get(PostgresSourceOptions.PORT))
                .database(config.get(PostgresSourceOptions.DATABASE))
                .schemaList(schemas)
                .tableList(tables)
                .username(config.get(PostgresSourceOptions.USER))
                .password(config.get(PostgresSourceOptions.PASSWORD))
                .slotName(config.get(PostgresSourceOptions.SLOT))
                // Flink CDC defaults to decoderbufs, which stock Postgres does not ship.
                .decodingPluginName("pgoutput")
                // Timestamps are interpreted in UTC, never in the JVM's zone.
                .serverTimeZone("UTC")
                .splitSize(config.get(PostgresSourceOptions.SNAPSHOT_CHUNK_SIZE))
                .startupOptions(StartupOptions.initial())
                .heartbeatInterval(config.get(PostgresSourceOptions.HEARTBEAT_INTERVAL))
                // No backfill: a change made while a chunk is read would be merged into the
                // snapshot row, TOAST placeholder included, and no earlier version of the row
                // would exist to fill it from. Without it, snapshot rows are plain SELECT results
                // and the window's changes arrive as stream events (version = LSN),
                // which the versioned upsert applies on top: the same final rows. Snapshot rows
                // are versioned at the run's anchor, taken before the snapshot: they outrank
                // every row an earlier run wrote and lose to every change after the anchor.
                .skipSnapshotBackfill(true)
                .includePartitionedTables(true)
                .closeIdleReaders(true)
                .debeziumProperties(debezium);
        // As builder.build(), with a dialect that confirms only checkpointed positions to the slot
        // and tells the deserializer where the snapshot's catch-up ends.
        SnapshotCatchUp catchUp = new SnapshotCatchUp();
        return new PostgresIncrementalSource<>(
                builder.getConfigFactory(),
                records.apply(catchUp),
                new PostgresOffsetFactory(),
                new CheckpointedOffsetsOnlyDialect(builder.getConfigFactory().create(0), catchUp));
    }
}
