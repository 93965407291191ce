package io.sluice.jobs.analytics.backfill;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.ArchiveOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.alerts.AlertRule;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.setup.AnalyticsSetup;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.CohortTables;
import io.sluice.jobs.analytics.setup.FreshStartStatements;
import io.sluice.jobs.analytics.setup.FunnelTables;
import io.sluice.jobs.analytics.setup.OperationalTables;
import io.sluice.jobs.ops.Resync;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * One backfill run as planned before its job starts: the versions it writes at, the overwrite of
 * its range, and what it reads (the window rollups it rebuilds, the archive partitions it replays).
 *
 * @param eventsVersion the WAL position when the run was planned, the version of every event read
 *     from Postgres; -1 for an archive replay (each change keeps its own)
 * @param rollupBase the WAL position the run's rollup versions start at, above every rollup row
 *     already written (user-scoped tables included)
 * @param readFromMs where reading starts: {@code --from}, or the oldest event when the user-scoped
 *     tables are rebuilt (they replay the whole history)
 * @param readToMs where reading ends: {@code --to}, or the closed bound when the user-scoped tables
 *     are rebuilt
 * @param users the user-scoped rows the run rewrites, or {@code null} ({@code --tables events})
 * @param chunks what a backfill from Postgres reads (none for an archive replay)
 */
public record BackfillPlan(
        BackfillOptions options,
        long eventsVersion,
        long rollupBase,
        long readFromMs,
        long readToMs,
        UserTableRanges users,
        List<ChunkSplit> chunks) {

    /**
     * The rollups a backfill rebuilds by range: the ones whose windows lie inside an hour-aligned
     * range.
     */
    static final List<String> WINDOW_ROLLUPS =
            List.of(
                    AnalyticsTables.EVENTS_PER_MINUTE,
                    AnalyticsTables.EVENTS_PER_5M,
                    AnalyticsTables.EVENTS_PER_HOUR,
                    OperationalTables.ERRORS_1M,
                    OperationalTables.ERRORS_1H,
                    OperationalTables.LATENCY_1M,
                    OperationalTables.LATENCY_1H);

    /**
     * Fixes the run's versions: reads the WAL position (from Postgres) and writes a WAL anchor
     * above every rollup version in ClickHouse. Nothing is overwritten yet: that is left to the
     * job's fresh start ({@link FreshStartStatements}), which a resumed run skips.
     */
    public static BackfillPlan create(SluiceConfig config, BackfillOptions o) throws SQLException {
        long eventsVersion = -1;
        if (o.source() == BackfillOptions.Source.POSTGRES) {
            try (Connection pg = PostgresCatalog.openConnection(config);
                    Statement st = pg.createStatement();
                    ResultSet rs =
                            st.executeQuery("SELECT (pg_current_wal_lsn() - '0/0')::bigint")) {
                rs.next();
                eventsVersion = rs.getLong(1);
            }
        }
        boolean rebuildUsers = o.tables() == BackfillOptions.Tables.ALL;
        // WAL-anchored like every version: above every rollup row already written (the range's
        // rows are set to 0 at this version), and below what a later resync writes.
        long maxRollupVersion = 0;
        Instant closedBefore;
        try (ClickHouseConnection ch = AnalyticsSetup.connect(config)) {
            List<String> tables = new ArrayList<>(rollups(config));
            if (rebuildUsers) {
                tables.addAll(USER_TABLES);
            }
            if (!AlertRule.fromConfig(config).isEmpty()) {
                tables.add(OperationalTables.ALERTS); // its rows are rewritten too
            }
            for (String table : tables) {
                String max =
                        ch.queryValue(
                                "SELECT max(_version) FROM " + ClickHouseSql.identifier(table));
                maxRollupVersion =
                        Math.max(
                                maxRollupVersion,
                                max == null || max.isEmpty() ? 0 : Long.parseLong(max));
            }
            closedBefore = closedBefore(config, ch, Instant.now());
        }
        if (o.to().isAfter(closedBefore)) {
            throw new ConfigException(
                    List.of(
                            "--to "
                                    + o.to()
                                    + " is too recent: the newest event the streaming job has"
                                    + " written less analytics.repair-horizon and"
                                    + " analytics.out-of-orderness is "
                                    + closedBefore
                                    + ", and it may still change what is after that; pick an"
                                    + " earlier --to"));
        }
        long rollupBase =
                Resync.anchorAbove(config, "backfill " + o.from() + ".." + o.to(), maxRollupVersion)
                        .lsn();
        long readFrom = o.from().toEpochMilli();
        long readTo = o.to().toEpochMilli();
        UserTableRanges users = null;
        if (rebuildUsers) {
            users = UserTableRanges.of(config, o.from(), closedBefore);
            readTo = closedBefore.toEpochMilli();
            if (o.source() == BackfillOptions.Source.POSTGRES) {
                readFrom = Math.min(readFrom, ChunkPlanner.oldestEvent(config));
            } else {
                readFrom = Long.MIN_VALUE; // every archived change of the events table
            }
        }
        List<ChunkSplit> chunks =
                o.source() == BackfillOptions.Source.POSTGRES
                        ? ChunkPlanner.chunks(config, readFrom, readTo, o.chunk().toMillis())
                        : List.of();
        return new BackfillPlan(o, eventsVersion, rollupBase, readFrom, readTo, users, chunks);
    }

    /** The user-scoped tables a full backfill can rewrite. */
    static final List<String> USER_TABLES =
            List.of(
                    AnalyticsTables.SESSIONS,
                    AnalyticsTables.SESSIONS_DAILY,
                    AnalyticsTables.ACTIVE_USERS_DAILY,
                    FunnelTables.FUNNEL_DAILY,
                    CohortTables.RETENTION_WEEKLY,
                    CohortTables.FEATURE_ADOPTION_WEEKLY);

    /**
     * Before this time no row changes any more: the newest event time in analytics.events (what the
     * streaming job has seen; the current time if that is later or there is none) less the repair
     * horizon and the out-of-orderness. A change older than that is late for the streaming job,
     * whatever the wall clock says.
     */
    static Instant closedBefore(SluiceConfig config, ClickHouseConnection ch, Instant now) {
        String newest = ch.queryValue("SELECT toUnixTimestamp(max(occurred_at)) FROM events");
        Instant seen =
                newest == null || newest.isBlank() || newest.equals("0")
                        ? now
                        : Instant.ofEpochSecond(Long.parseLong(newest.trim()));
        Instant clock = seen.isBefore(now) ? seen : now;
        return clock.minus(config.get(AnalyticsOptions.REPAIR_HORIZON))
                .minus(config.get(AnalyticsOptions.OUT_OF_ORDERNESS));
    }

    /**
     * The range's overwrite: its rollup rows set to 0 at {@link #rollupBase} and (from Postgres)
     * its events tombstoned just below {@link #eventsVersion}, so every row the run writes wins.
     */
    List<String> overwriteStatements(SluiceConfig config) {
        long from = options.from().getEpochSecond();
        long to = options.to().getEpochSecond();
        List<String> sql = new ArrayList<>();
        if (users != null) {
            sql.addAll(users.overwriteStatements(rollupBase));
        }
        sql.addAll(BackfillAlerts.overwriteStatements(config, this));
        for (String rollup : rollups(config)) {
            sql.add(
                    OverwriteSql.zero(
                            rollupTable(rollup),
                            rollupBase,
                            OverwriteSql.betweenTimes(windowColumn(rollup), from, to)));
        }
        if (eventsVersion >= 0) {
            sql.add(
                    OverwriteSql.delete(
                            AnalyticsTables.events(EventSchema.fromConfig(config).promoted()),
                            eventsVersion - 1,
                            OverwriteSql.betweenTimes("occurred_at", from, to)
                                    + " AND _version < "
                                    + eventsVersion));
        }
        return sql;
    }

    private static AnalyticsTables.Table rollupTable(String name) {
        return AnalyticsTables.all(List.of()).stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    /** The window rollups the configuration runs. */
    static List<String> rollups(SluiceConfig config) {
        return config.get(AnalyticsOptions.ROLLUPS).stream()
                .map(Rollup::tableName)
                .filter(WINDOW_ROLLUPS::contains)
                .toList();
    }

    private static String windowColumn(String rollup) {
        return switch (rollup) {
            case AnalyticsTables.EVENTS_PER_MINUTE -> "minute";
            case AnalyticsTables.EVENTS_PER_5M,
                            OperationalTables.ERRORS_1M,
                            OperationalTables.ERRORS_1H,
                            OperationalTables.LATENCY_1M,
                            OperationalTables.LATENCY_1H ->
                    "window_start";
            case AnalyticsTables.EVENTS_PER_HOUR -> "hour";
            default -> throw new IllegalArgumentException(rollup);
        };
    }

    /**
     * The archive's hour partitions of the events table from {@code since}'s hour on (an event of
     * the range cannot have been written before {@code from} minus the allowed future skew).
     */
    static List<Path> archivePartitions(SluiceConfig config, EventSchema schema, Instant since)
            throws IOException {
        Path table = new Path(config.get(ArchiveOptions.PATH), schema.table().toString());
        FileSystem fs = table.getFileSystem();
        String first =
                DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH", Locale.ROOT)
                        .format(LocalDateTime.ofInstant(since, ZoneOffset.UTC));
        List<Path> partitions = new ArrayList<>();
        if (!fs.exists(table)) {
            return partitions;
        }
        for (FileStatus day : fs.listStatus(table)) {
            if (!day.isDir() || !day.getPath().getName().startsWith("dt=")) {
                continue;
            }
            for (FileStatus hour : fs.listStatus(day.getPath())) {
                String id = day.getPath().getName() + "/" + hour.getPath().getName();
                if (hour.isDir() && id.compareTo(first) >= 0) {
                    partitions.add(hour.getPath());
                }
            }
        }
        return partitions;
    }
}
