package io.sluice.jobs.pii;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseSink;
import io.sluice.common.clickhouse.MirrorDeadLetters;
import io.sluice.common.clickhouse.TableRouting;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The restricted copy of raw PII ({@code pii.raw-database}): every value the job hashes, as hash →
 * value in {@code <pii.raw-database>.pii_values}, with the column it came from. The analysts'
 * ClickHouse user is not allowed that database (users.xml {@code allow_databases} on 18.16, {@code
 * GRANT} on 20.5 and later; docs/security.md); a user who is can turn a hash back into its value.
 *
 * <p>Rows are written by the mirror's sink (a second instance pointed at this database), keyed by
 * hash: a value always has the same hash, so a row written twice after a restore is the same row,
 * and a value refused by ClickHouse becomes a dead letter in this database, never in the analysts'.
 */
public final class PiiVault {
    public static final String TABLE = "pii_values";

    /** The table the vault's records name (its ClickHouse name is {@link #TABLE}). */
    static final TableId RECORDS = new TableId("public", TABLE);

    static final String HASH = "hash";
    static final String VALUE = "value";
    static final String SOURCE = "source";

    private PiiVault() {}

    /** The vault's database, or null when none is configured. */
    public static String database(SluiceConfig config) {
        return config.getOptional(PiiOptions.RAW_DATABASE).orElse(null);
    }

    /** The vault table as a source table would be described: the hash is its key. */
    static PgTable table() {
        return new PgTable(
                RECORDS,
                List.of(
                        new PgColumn(HASH, "text", false, true, 1),
                        new PgColumn(VALUE, "text", false, true, 0),
                        new PgColumn(SOURCE, "text", false, true, 0)));
    }

    /** A record for the vault: the raw value of a hash, read from {@code source} by {@code of}. */
    static ChangeRecord record(String hash, String value, String source, ChangeRecord of) {
        return new ChangeRecord(
                RECORDS,
                ChangeRecord.Op.INSERT,
                Map.of(HASH, hash, VALUE, value, SOURCE, source),
                Set.of(),
                of.lsn(),
                of.commitMs());
    }

    /**
     * Creates the database, its table and its dead letters when the job is built; refuses a
     * database the analysts read.
     */
    static void prepare(SluiceConfig config) {
        String database = database(config);
        String mirror = config.get(ClickHouseSinkOptions.DATABASE);
        String analytics = config.get(AnalyticsOptions.DATABASE);
        if (database.equals(mirror) || database.equals(analytics)) {
            throw new ConfigException(
                    List.of(
                            "pii.raw-database is "
                                    + database
                                    + ", the database of "
                                    + (database.equals(mirror)
                                            ? "the mirror (clickhouse.database)"
                                            : "the analytics tables (analytics.database)")
                                    + ": raw PII needs a database of its own, which the analysts'"
                                    + " user is not allowed"));
        }
        try (ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            schema.createDatabase(database);
            schema.createTable(
                    ClickHouseDdl.createMirrorTable(database, TABLE, table(), ch.serverVersion()));
            schema.createTable(MirrorDeadLetters.createTable(database));
        }
    }

    /** Writes the raw values into the vault, keyed by hash. */
    static void sink(DataStream<ChangeRecord> raw, SluiceConfig config) {
        SluiceConfig vault = config.with(ClickHouseSinkOptions.DATABASE, database(config));
        raw.keyBy(new ByHash())
                .sinkTo(new ClickHouseSink(vault, new Routing()))
                .name("clickhouse-pii-vault-sink")
                .uid("clickhouse-pii-vault-sink")
                .setParallelism(config.get(JobOptions.PARALLELISM));
    }

    private static final class ByHash implements KeySelector<ChangeRecord, String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String getKey(ChangeRecord record) {
            return (String) record.values().get(HASH);
        }
    }

    /** Every record goes to {@link #TABLE}, keyed by hash; its columns never change. */
    private static final class Routing implements TableRouting {
        private static final long serialVersionUID = 1L;

        @Override
        public String clickHouseTable(TableId table) {
            return TABLE;
        }

        @Override
        public List<String> keyColumns(TableId table) {
            return List.of(HASH);
        }

        @Override
        public Set<String> addColumns(ClickHouseSchema schema, TableId table, Set<String> missing) {
            return Set.of();
        }
    }
}
