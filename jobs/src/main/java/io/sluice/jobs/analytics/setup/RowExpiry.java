package io.sluice.jobs.analytics.setup;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.Checks;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.Redaction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The expiry of the analytics tables that only grow, {@code dead_letters} and {@code late_events}
 * ({@code analytics.dead-letters-ttl}): a table TTL on {@value #COLUMN}, a column ClickHouse fills
 * with the time it received the row ({@code MATERIALIZED now()}: the job never writes it, and
 * {@code SELECT *} leaves it out). Neither table has a time of its own to count from: a dead
 * letter's version is a WAL position, and a late event's times are event times.
 *
 * <ul>
 *   <li>Set: the column is added where it is missing and the TTL set where it differs. A start with
 *       the same value changes nothing ({@code MODIFY TTL} rewrites the table's parts, so it is not
 *       repeated).
 *   <li>Unset: rows are kept forever. A TTL on {@value #COLUMN} (one this class set) is removed; a
 *       TTL on anything else was set by someone else and is left alone. The column stays.
 *   <li>Gated by {@link ServerVersion#hasTableTtl()} (20.10): on an older server (18.16) a set
 *       value stops the start with the server's version and the version it needs, never a silent
 *       skip; unset, nothing is done there.
 * </ul>
 *
 * <p>Rows already in a table when its TTL is first set have no stored receive time: ClickHouse
 * fills the column when it rewrites them ({@code MODIFY TTL} does so at once), and they expire one
 * TTL after that.
 */
public final class RowExpiry {
    private static final Logger LOG = LoggerFactory.getLogger(RowExpiry.class);

    /** The column the TTL counts from. */
    public static final String COLUMN = "_received_at";

    /** The tables that expire. */
    public static final List<String> TABLES =
            List.of(AnalyticsTables.DEAD_LETTERS, AnalyticsTables.LATE_EVENTS);

    private RowExpiry() {}

    /**
     * Brings both tables of {@code database} to the configured expiry (their TTL set, changed or
     * removed as needed).
     *
     * @throws ConfigException when a TTL is configured and the server cannot expire rows
     */
    public static void apply(ClickHouseConnection ch, String database, Optional<Duration> ttl) {
        ServerVersion server = ch.serverVersion();
        checkServer(ttl, server, ch.url());
        if (!server.hasTableTtl()) {
            return; // no TTL can exist there to remove
        }
        ClickHouseSchema schema = new ClickHouseSchema(ch);
        for (String table : TABLES) {
            if (ttl.isPresent()) {
                schema.addColumn(
                        database,
                        table,
                        COLUMN,
                        "ALTER TABLE "
                                + ClickHouseSql.qualified(database, table)
                                + " ADD COLUMN "
                                + ClickHouseSql.identifier(COLUMN)
                                + " DateTime('UTC') MATERIALIZED now()");
            }
            for (String alter :
                    statements(database, table, ttl, schema.tableTtl(database, table))) {
                LOG.info("Expiry of {}.{}: {}", database, table, alter);
                schema.alterStorage(alter);
            }
        }
    }

    /** A configured TTL needs a server that can set and remove one. */
    static void checkServer(Optional<Duration> ttl, ServerVersion server, String url) {
        if (ttl.isPresent() && !server.hasTableTtl()) {
            throw new ConfigException(
                    "'"
                            + AnalyticsOptions.DEAD_LETTERS_TTL.key()
                            + "' is "
                            + Checks.format(ttl.get())
                            + ", but ClickHouse at "
                            + Redaction.redact(url)
                            + " is version "
                            + server
                            + ", which cannot expire rows: a table TTL that can be set and"
                            + " removed needs ClickHouse "
                            + ServerVersion.TABLE_TTL_SINCE
                            + " or newer. Upgrade ClickHouse, or unset the option to keep the rows");
        }
    }

    /** The TTL expression of {@code ttl}, as the server writes it back. */
    static String expression(Duration ttl) {
        long seconds = ttl.getSeconds() + (ttl.getNano() > 0 ? 1 : 0);
        return COLUMN + " + toIntervalSecond(" + seconds + ")";
    }

    /**
     * The statements that bring one table from its {@code current} TTL to the configured one; none
     * when it is there already.
     */
    static List<String> statements(
            String database, String table, Optional<Duration> ttl, Optional<String> current) {
        String qualified = ClickHouseSql.qualified(database, table);
        List<String> alters = new ArrayList<>();
        if (ttl.isPresent()) {
            String wanted = expression(ttl.get());
            if (!current.equals(Optional.of(wanted))) {
                alters.add("ALTER TABLE " + qualified + " MODIFY TTL " + wanted);
            }
        } else if (current.isPresent() && current.get().startsWith(COLUMN + " ")) {
            alters.add("ALTER TABLE " + qualified + " REMOVE TTL");
        }
        return alters;
    }
}
