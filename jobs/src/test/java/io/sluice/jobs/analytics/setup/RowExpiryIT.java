package io.sluice.jobs.analytics.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.JobTestSupport;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code analytics.dead-letters-ttl} through the analytics setup, on both paths of its version gate
 * ({@link RowExpiry}):
 *
 * <ul>
 *   <li>ClickHouse 26.7 (the chDB engine): the setup sets the TTL on both tables, as {@code
 *       system.tables} shows it; a row received longer ago than the TTL is gone after {@code
 *       OPTIMIZE TABLE ... FINAL} (the engine applies TTL in that merge; with TTL merges stopped it
 *       stays, so it is the TTL that removes it) and a fresh one stays; the same setup again
 *       changes nothing, a new value replaces the TTL, and unsetting it removes it;
 *   <li>ClickHouse 18.16: a set TTL stops the setup with the server's version and the version it
 *       needs; unset, the setup runs and adds neither column nor TTL.
 * </ul>
 */
class RowExpiryIT {
    private static final String HOUR_TTL = "_received_at + toIntervalSecond(3600)";

    @Test
    void modernServerExpiresRowsAfterTheTtl(@TempDir Path tmp) throws Exception {
        TestClickHouse server = TestServers.get().clickhouse(ClickHouseEngine.MODERN);
        Map<String, Object> settings = settings(server, tmp, Duration.ofHours(1));
        String db = (String) settings.get(AnalyticsOptions.DATABASE.key());
        try (ClickHouseConnection ch = connect(server, db)) {
            AnalyticsSetup.prepare(SluiceConfig.of(settings));
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            for (String table : RowExpiry.TABLES) {
                assertThat(schema.tableTtl(db, table)).as(table).contains(HOUR_TTL);
                assertThat(createTableQuery(ch, db, table))
                        .contains("`_received_at` DateTime('UTC') MATERIALIZED now()")
                        .contains(" TTL " + HOUR_TTL);
            }

            // One dead letter received two hours ago (the column set by hand), one just now. With
            // TTL merges stopped both stay, even through OPTIMIZE FINAL (the engine otherwise may
            // drop the old one in a background merge at once); started, OPTIMIZE FINAL drops it.
            ch.execute("SYSTEM STOP TTL MERGES dead_letters");
            ch.execute(
                    "INSERT INTO dead_letters (source_table, event_id, reason, raw_row, _version,"
                            + " _is_deleted, _received_at) SETTINGS"
                            + " insert_allow_materialized_columns = 1 VALUES ('public.events',"
                            + " 'old', 'r', '{}', 1, 0, now() - 7200)");
            ch.execute(
                    "INSERT INTO dead_letters (source_table, event_id, reason, raw_row, _version,"
                            + " _is_deleted) VALUES ('public.events', 'new', 'r', '{}', 1, 0)");
            ch.execute("OPTIMIZE TABLE dead_letters FINAL");
            assertThat(eventIds(ch)).as("TTL merges stopped").containsExactly("new", "old");
            ch.execute("SYSTEM START TTL MERGES dead_letters");
            ch.execute("OPTIMIZE TABLE dead_letters FINAL");
            assertThat(eventIds(ch)).as("after OPTIMIZE FINAL").containsExactly("new");

            // The same value again: the TTL as the server writes it back is what the setup wants,
            // so a restart runs no MODIFY TTL (which would rewrite the table).
            AnalyticsSetup.prepare(SluiceConfig.of(settings));
            assertThat(
                            RowExpiry.statements(
                                    db,
                                    AnalyticsTables.DEAD_LETTERS,
                                    Optional.of(Duration.ofHours(1)),
                                    schema.tableTtl(db, AnalyticsTables.DEAD_LETTERS)))
                    .isEmpty();

            settings.put(AnalyticsOptions.DEAD_LETTERS_TTL.key(), Duration.ofDays(30));
            AnalyticsSetup.prepare(SluiceConfig.of(settings));
            assertThat(schema.tableTtl(db, AnalyticsTables.LATE_EVENTS))
                    .contains("_received_at + toIntervalSecond(2592000)");

            settings.remove(AnalyticsOptions.DEAD_LETTERS_TTL.key());
            AnalyticsSetup.prepare(SluiceConfig.of(settings));
            for (String table : RowExpiry.TABLES) {
                assertThat(schema.tableTtl(db, table)).as(table + ", unset").isEmpty();
                assertThat(schema.columns(db, table)).containsKey(RowExpiry.COLUMN);
            }
        }
    }

    @Test
    void legacyServerRefusesATtl(@TempDir Path tmp) throws Exception {
        TestClickHouse server = TestServers.get().clickhouse(ClickHouseEngine.LEGACY);
        Map<String, Object> settings = settings(server, tmp, Duration.ofDays(7));
        String db = (String) settings.get(AnalyticsOptions.DATABASE.key());
        assertThatThrownBy(() -> AnalyticsSetup.prepare(SluiceConfig.of(settings)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'analytics.dead-letters-ttl' is 7 d")
                .hasMessageContaining("is version 18.16")
                .hasMessageContaining("needs ClickHouse 20.10 or newer");

        settings.remove(AnalyticsOptions.DEAD_LETTERS_TTL.key());
        AnalyticsSetup.prepare(SluiceConfig.of(settings));
        try (ClickHouseConnection ch = connect(server, db)) {
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            for (String table : RowExpiry.TABLES) {
                assertThat(schema.columns(db, table)).doesNotContainKey(RowExpiry.COLUMN);
                assertThat(schema.tableTtl(db, table)).isEmpty();
            }
        }
    }

    /**
     * Settings for the analytics setup over a new Postgres events table and ClickHouse database,
     * with {@code ttl} as {@code analytics.dead-letters-ttl}.
     */
    private static Map<String, Object> settings(TestClickHouse server, Path tmp, Duration ttl)
            throws Exception {
        System.out.println("RowExpiryIT on " + server.describe());
        TestServers servers = TestServers.get();
        String pgDb = servers.postgres().newDatabase("expiry");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb);
                Statement st = pg.createStatement()) {
            st.execute(
                    "CREATE TABLE events (event_id uuid PRIMARY KEY, user_id bigint,"
                            + " occurred_at timestamptz, event_name text, properties jsonb)");
        }
        Map<String, Object> settings =
                JobTestSupport.settings(
                        servers, pgDb, server.newDatabase("expiry"), List.of("public.events"), tmp);
        JobTestSupport.useClickHouse(settings, server);
        settings.put(AnalyticsOptions.DATABASE.key(), server.newDatabase("expiry_an"));
        settings.put(AnalyticsOptions.DEAD_LETTERS_TTL.key(), ttl);
        return settings;
    }

    private static ClickHouseConnection connect(TestClickHouse server, String db) {
        return new ClickHouseConnection(server.url(), server.user(), server.password(), db);
    }

    private static String createTableQuery(ClickHouseConnection ch, String db, String table) {
        return ch.queryValue(
                "SELECT create_table_query FROM system.tables WHERE database = '"
                        + db
                        + "' AND name = '"
                        + table
                        + "'");
    }

    private static List<String> eventIds(ClickHouseConnection ch) {
        return ch.query("SELECT event_id FROM dead_letters ORDER BY event_id").stream()
                .map(row -> row.get(0))
                .toList();
    }
}
