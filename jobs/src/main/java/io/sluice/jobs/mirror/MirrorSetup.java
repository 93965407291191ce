package io.sluice.jobs.mirror;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.MirrorDeadLetters;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares both ends before the mirror job starts: the publication covering the captured tables, a
 * ClickHouse table for each (created from the Postgres schema when absent; columns added while the
 * job was down are added), and the dead-letter table ({@link MirrorDeadLetters}).
 */
public final class MirrorSetup {
    private static final Logger LOG = LoggerFactory.getLogger(MirrorSetup.class);

    private MirrorSetup() {}

    public static void prepare(SluiceConfig config) throws SQLException {
        try (PostgresCatalog catalog = PostgresCatalog.connect(config);
                ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            if (!SourceOptions.fromKafka(config)) { // from Kafka, the connector owns it
                catalog.ensurePublication(
                        config.get(PostgresSourceOptions.PUBLICATION), config.tables());
            }
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            ServerVersion server = ch.serverVersion();
            for (TableId id : config.tables()) {
                if (id.clickHouseName().equals(MirrorDeadLetters.TABLE)) {
                    throw new IllegalArgumentException(
                            "postgres.tables lists "
                                    + id
                                    + ", whose ClickHouse table would be the mirror's dead"
                                    + " letters ("
                                    + MirrorDeadLetters.TABLE
                                    + "): rename the table or leave it out");
                }
            }
            // Made up front, so that a dashboard or a query finds it before the first dead letter.
            schema.createTable(MirrorDeadLetters.createTable(ch.database()));
            for (TableId id : config.tables()) {
                PgTable table = catalog.replicatedTable(id).orElseThrow();
                Set<String> left = catalog.unreplicatedColumns(List.of(id)).get(id);
                if (left != null) {
                    LOG.warn(
                            "Postgres {} does not publish generated columns (18 does): {} of {}"
                                    + " are not mirrored",
                            catalog.serverVersionNum(),
                            left,
                            id);
                }
                schema.createTable(
                        ClickHouseDdl.createMirrorTable(
                                ch.database(), id.clickHouseName(), table, server));
                Set<String> existing = schema.columns(ch.database(), id.clickHouseName()).keySet();
                for (PgColumn column : table.columns()) {
                    if (!existing.contains(column.name())) {
                        LOG.info(
                                "Adding column {} to ClickHouse table {}",
                                column.name(),
                                id.clickHouseName());
                        schema.addColumn(
                                ch.database(),
                                id.clickHouseName(),
                                column.name(),
                                ClickHouseDdl.addColumn(
                                        ch.database(), id.clickHouseName(), column, server));
                    }
                }
            }
        }
    }
}
