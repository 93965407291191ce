package io.sluice.jobs.ops;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;

import io.sluice.common.change.Versions;
import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSchema;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run's snapshot anchor, and the resync that a start without state performs.
 *
 * <p>The anchor is the WAL position of a logical decoding message Sluice writes before the source
 * starts ({@code pg_logical_emit_message}, not transactional, so it needs no table and reaches no
 * captured table). Snapshot rows are written at that version: every change the snapshot already
 * holds has a lower LSN, every change after it a higher one.
 *
 * <p>A start without state into populated ClickHouse tables (a first run, {@code --fresh}, a lost
 * slot) is a <em>resync</em>. Its anchor is taken above every version already in the mirror and
 * analytics tables (padding the message when rows re-emitted at one LSN ran ahead of the WAL). Then
 * every existing row is written once more at {@code anchor − 1}: deleted where the table has {@code
 * _is_deleted}, with its counts at 0 where it is a rollup. The run then writes everything that
 * exists at the anchor or above, so rows of deleted keys, and rollup, session and late-event rows
 * the new run does not produce, stay retired. Until the snapshot has been read again the tables
 * show less than Postgres holds: the price of converging without a second copy of every table
 * (PeerDB's resync writes into new tables and swaps them in at the end).
 */
public final class Resync {
    private static final Logger LOG = LoggerFactory.getLogger(Resync.class);

    /** The largest padding a resync writes; above it the tables hold versions from elsewhere. */
    static final long MAX_PADDING_BYTES = 256L << 20;

    private Resync() {}

    /** A WAL position and the database's time there. */
    public record Anchor(long lsn, long commitMs) {
        @Override
        public String toString() {
            return Versions.lsnText(lsn) + " (" + lsn + ")";
        }
    }

    /** Writes an anchor message and returns its position (the end of the message's record). */
    public static Anchor anchor(SluiceConfig config, String reason) throws SQLException {
        return emit(config, reason, 0);
    }

    private static Anchor emit(SluiceConfig config, String reason, long padding)
            throws SQLException {
        try (Connection pg = PostgresCatalog.openConnection(config);
                PreparedStatement st =
                        pg.prepareStatement(
                                "SELECT (pg_logical_emit_message(false, 'sluice', ?) - '0/0')::bigint,"
                                        + " (extract(epoch FROM clock_timestamp()) * 1000)::bigint")) {
            st.setString(1, reason + (padding > 0 ? " " + "x".repeat((int) padding) : ""));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Anchor(rs.getLong(1), rs.getLong(2));
            }
        }
    }

    /**
     * The anchor of a run: a WAL position above every version already in the mirror and analytics
     * tables. A resumed run could do with a plain {@link #anchor}, but whether a run resumes is
     * only certain once its tasks restore (a {@code flink run -s} is not visible to {@code main}),
     * so every run takes one that a resync can use.
     */
    public static Anchor runAnchor(
            SluiceConfig config, Map<TableId, List<String>> keys, boolean analytics, String reason)
            throws SQLException {
        long maxWritten = Versions.NONE;
        try (ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            for (Target t : targets(config, keys, analytics)) {
                String max = ch.queryValue("SELECT max(_version) FROM " + t.qualified());
                maxWritten =
                        Math.max(
                                maxWritten, max == null || max.isEmpty() ? 0 : Long.parseLong(max));
            }
        }
        return anchorAbove(config, reason, maxWritten);
    }

    /**
     * Retires every row written before {@code anchor}: the resync of a run that starts without
     * state. Idempotent, and safe in any order with the run's own writes (they are at the anchor or
     * above, and win).
     */
    public static void retire(
            SluiceConfig config, Map<TableId, List<String>> keys, boolean analytics, long anchor)
            throws SQLException {
        List<Target> targets = targets(config, keys, analytics);
        long retired = Versions.retired(anchor);
        try (ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            ClickHouseSchema schema = new ClickHouseSchema(ch);
            for (Target t : targets) {
                schema.write(t.retireSql(retired));
            }
        }
        LOG.info(
                "Resync: rows of {} tables written before the anchor {} retired at version {}",
                targets.size(),
                Versions.lsnText(anchor),
                retired);
    }

    /** An anchor whose LSN lies above {@code maxWritten} (padded with a larger message). */
    public static Anchor anchorAbove(SluiceConfig config, String reason, long maxWritten)
            throws SQLException {
        Anchor anchor = anchor(config, reason);
        long padding = Versions.paddingBytes(anchor.lsn(), maxWritten);
        if (padding > 0) {
            if (padding > MAX_PADDING_BYTES) {
                throw new IllegalStateException(
                        "ClickHouse holds versions up to "
                                + maxWritten
                                + ", far above the WAL position "
                                + anchor
                                + ": these rows were not written by this database's Sluice"
                                + " (another database, or a release before WAL-anchored"
                                + " versions). Drop the mirror and analytics tables and start"
                                + " again with --fresh.");
            }
            anchor = emit(config, reason, padding);
        }
        return anchor;
    }

    /** One ClickHouse table and how its rows are retired. */
    record Target(
            String database,
            String table,
            List<String> keep,
            List<String> zero,
            boolean tombstone,
            boolean writesLsn,
            boolean versionInKey) {
        String qualified() {
            return ClickHouseSql.qualified(database, table);
        }

        String retireSql(long version) {
            if (versionInKey) {
                // Each version is its own row (late_events): a new version would be a new row, so
                // the retired ones are deleted (a mutation; 18.16 has them too).
                return "ALTER TABLE "
                        + qualified()
                        + " DELETE WHERE "
                        + identifier("_version")
                        + " <= "
                        + version;
            }
            List<String> cols = new ArrayList<>();
            List<String> exprs = new ArrayList<>();
            for (String c : keep) {
                cols.add(identifier(c));
                exprs.add(identifier(c));
            }
            for (String c : zero) {
                cols.add(identifier(c));
                exprs.add("0");
            }
            cols.add(identifier("_version"));
            exprs.add("toUInt64(" + version + ")");
            String where;
            if (tombstone) {
                cols.add(identifier("_is_deleted"));
                exprs.add("toUInt8(1)");
                where = " WHERE " + identifier("_is_deleted") + " = 0";
            } else {
                where =
                        zero.isEmpty()
                                ? ""
                                : " WHERE "
                                        + String.join(
                                                " + ",
                                                zero.stream().map(c -> identifier(c)).toList())
                                        + " != 0";
            }
            if (writesLsn) {
                cols.add(identifier("_lsn"));
                exprs.add("toUInt64(" + version + ")");
            }
            return "INSERT INTO "
                    + qualified()
                    + " ("
                    + String.join(", ", cols)
                    + ") SELECT "
                    + String.join(", ", exprs)
                    + " FROM "
                    + qualified()
                    + " FINAL"
                    + where;
        }
    }

    static List<Target> targets(
            SluiceConfig config, Map<TableId, List<String>> keys, boolean analytics) {
        List<Target> targets = new ArrayList<>();
        String mirrorDb = config.get(ClickHouseSinkOptions.DATABASE);
        try (ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            for (TableId t : config.tables()) {
                if (exists(ch, mirrorDb, t.clickHouseName())) {
                    // A deleted row keeps only its key, as the mirror's own deletes do.
                    targets.add(
                            new Target(
                                    mirrorDb,
                                    t.clickHouseName(),
                                    keys.get(t),
                                    List.of(),
                                    true,
                                    true,
                                    false));
                }
            }
        }
        if (analytics) {
            String db = config.get(AnalyticsOptions.DATABASE);
            List<PromotedProperty> promoted =
                    PromotedProperty.parse(config.get(AnalyticsOptions.PROMOTED_PROPERTIES));
            try (ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
                for (AnalyticsTables.Table table : AnalyticsTables.all(promoted)) {
                    if (!exists(ch, db, table.name())) {
                        continue;
                    }
                    List<String> names = table.columnNames();
                    boolean tombstone = names.contains("_is_deleted");
                    Set<String> key = Set.of(table.orderBy().replace(" ", "").split(","));
                    List<String> keep = new ArrayList<>();
                    List<String> zero = new ArrayList<>();
                    for (AnalyticsTables.Column c : table.columns()) {
                        String n = c.name();
                        if (n.equals("_version") || n.equals("_is_deleted")) {
                            continue;
                        }
                        if (!tombstone && !key.contains(n) && c.type().equals("Int64")) {
                            zero.add(n); // a rollup's counts
                        } else {
                            keep.add(n);
                        }
                    }
                    targets.add(
                            new Target(
                                    db,
                                    table.name(),
                                    keep,
                                    zero,
                                    tombstone,
                                    false,
                                    key.contains("_version")));
                }
            }
        }
        return targets;
    }

    private static boolean exists(ClickHouseConnection ch, String db, String table) {
        return !ch.query(
                        "SELECT name FROM system.tables WHERE database = "
                                + ClickHouseSql.literal(db)
                                + " AND name = "
                                + ClickHouseSql.literal(table))
                .isEmpty();
    }
}
