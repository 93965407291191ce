package io.sluice.jobs.analytics.backfill;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.ProductAnalyticsOptions;
import io.sluice.common.config.ProductAnalyticsOptions.CohortBy;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import io.sluice.jobs.analytics.setup.CohortTables;
import io.sluice.jobs.analytics.setup.FunnelTables;
import java.io.Serializable;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.FilterFunction;

/**
 * The rows of the user-scoped tables a backfill rewrites: per table, the rows whose period can hold
 * an event of the range ({@code from} on) and that are closed, meaning no change the streaming job
 * can still accept reaches them ({@code closedBefore} = the newest event time the streaming job has
 * written, minus repair horizon and out-of-orderness). The backfill replays the whole history up to
 * {@code closedBefore}, so each of these rows is computed from every event it depends on.
 *
 * <ul>
 *   <li>{@code sessions}: started from {@code from − session-max − session-gap} (a session that can
 *       reach the range) to {@code closedBefore − session-max − session-gap} (a session that can no
 *       longer grow);
 *   <li>{@code sessions_daily}, {@code active_users_daily}: days from {@code from}'s day to the
 *       last whole day before {@code closedBefore} (MAU looks back only);
 *   <li>{@code funnel_daily}: start days whose attempts can reach the range (from the day before
 *       {@code from − longest window}) and whose windows end before {@code closedBefore};
 *   <li>{@code retention_weekly}, {@code feature_adoption_weekly}: rows whose week ({@code
 *       cohort_week + week_n}) is from {@code from}'s ISO week to the last whole week before {@code
 *       closedBefore}; not with {@code cohort-by: signup}, whose cohorts come from the users table
 *       that a backfill does not read.
 * </ul>
 *
 * <p>Bounds are epoch seconds, lower inclusive, upper exclusive; an empty range rewrites nothing.
 */
public final class UserTableRanges implements FilterFunction<AnalyticsRow>, Serializable {
    private static final long serialVersionUID = 1L;
    private static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /** Per table: {lower, upper} in epoch seconds. */
    private final LinkedHashMap<String, long[]> ranges;

    private UserTableRanges(LinkedHashMap<String, long[]> ranges) {
        this.ranges = ranges;
    }

    /** The ranges of the tables the configuration writes. */
    public static UserTableRanges of(SluiceConfig config, Instant from, Instant closedBefore) {
        long gapAndMax =
                config.get(AnalyticsOptions.SESSION_GAP)
                        .plus(config.get(AnalyticsOptions.SESSION_MAX))
                        .toSeconds();
        long f = from.getEpochSecond();
        long k = closedBefore.getEpochSecond();
        LinkedHashMap<String, long[]> r = new LinkedHashMap<>();
        r.put(AnalyticsTables.SESSIONS, new long[] {f - gapAndMax, k - gapAndMax});
        if (config.get(AnalyticsOptions.ROLLUPS).contains(Rollup.SESSIONS_DAILY)) {
            r.put(AnalyticsTables.SESSIONS_DAILY, new long[] {day(f), day(k)});
        }
        r.put(AnalyticsTables.ACTIVE_USERS_DAILY, new long[] {day(f), day(k)});
        List<String> funnels = config.get(ProductAnalyticsOptions.FUNNELS);
        if (!funnels.isEmpty()) {
            long window = 0;
            for (String definition : funnels) {
                window = Math.max(window, FunnelDefinition.parse(definition).window().toSeconds());
            }
            r.put(
                    FunnelTables.FUNNEL_DAILY,
                    new long[] {day(f - window) - Duration.ofDays(1).toSeconds(), day(k - window)});
        }
        if (config.get(ProductAnalyticsOptions.RETENTION_COHORT_BY) == CohortBy.FIRST_EVENT) {
            r.put(CohortTables.RETENTION_WEEKLY, new long[] {week(f), week(k)});
            if (!config.get(ProductAnalyticsOptions.FEATURES).isEmpty()) {
                r.put(CohortTables.FEATURE_ADOPTION_WEEKLY, new long[] {week(f), week(k)});
            }
        }
        r.values().removeIf(b -> b[0] >= b[1]);
        return new UserTableRanges(r);
    }

    /** The tables with something to rewrite, and their bounds, for the log and the tests. */
    public Map<String, long[]> ranges() {
        Map<String, long[]> copy = new LinkedHashMap<>();
        ranges.forEach((t, b) -> copy.put(t, b.clone()));
        return copy;
    }

    /** Whether the backfill writes this row: a user-scoped table's row inside its range. */
    @Override
    public boolean filter(AnalyticsRow row) {
        long[] b = ranges.get(row.table);
        if (b == null) {
            return false;
        }
        long t = periodSeconds(row);
        return t >= b[0] && t < b[1];
    }

    /**
     * The statements that clear each range before the rows are written again, at {@code version}
     * (below every row the backfill writes): sessions deleted, counts set to 0. A row the replay
     * does not produce again (a session that no longer exists, a day whose events are gone) so ends
     * deleted or 0.
     */
    List<String> overwriteStatements(long version) {
        List<String> sql = new ArrayList<>();
        for (Map.Entry<String, long[]> e : ranges.entrySet()) {
            long[] b = e.getValue();
            AnalyticsTables.Table table = AnalyticsTables.fixed(e.getKey());
            sql.add(
                    switch (e.getKey()) {
                        case AnalyticsTables.SESSIONS ->
                                OverwriteSql.delete(
                                        table,
                                        version,
                                        OverwriteSql.betweenTimes("started_at", b[0], b[1]));
                        case AnalyticsTables.SESSIONS_DAILY ->
                                OverwriteSql.zero(
                                        table,
                                        version,
                                        OverwriteSql.betweenDates("session_day", b[0], b[1]));
                        case CohortTables.RETENTION_WEEKLY, CohortTables.FEATURE_ADOPTION_WEEKLY ->
                                OverwriteSql.zero(
                                        table,
                                        version,
                                        OverwriteSql.betweenDates(
                                                "cohort_week + 7 * week_n", b[0], b[1]));
                        default ->
                                OverwriteSql.zero(
                                        table,
                                        version,
                                        OverwriteSql.betweenDates("day", b[0], b[1]));
                    });
        }
        return sql;
    }

    /** The row's period in epoch seconds: its start, day or week (cohort week plus n weeks). */
    private static long periodSeconds(AnalyticsRow row) {
        return switch (row.table) {
            case AnalyticsTables.SESSIONS ->
                    LocalDateTime.parse(row.get("started_at"), DATE_TIME)
                            .toEpochSecond(ZoneOffset.UTC);
            case AnalyticsTables.SESSIONS_DAILY -> epochSecond(row.get("session_day"));
            case CohortTables.RETENTION_WEEKLY, CohortTables.FEATURE_ADOPTION_WEEKLY ->
                    epochSecond(row.get("cohort_week"))
                            + Long.parseLong(row.get("week_n")) * Duration.ofDays(7).toSeconds();
            default -> epochSecond(row.get("day"));
        };
    }

    private static long epochSecond(String date) {
        return LocalDate.parse(date).toEpochDay() * 86_400;
    }

    /** The start of the UTC day of {@code epochSecond}. */
    static long day(long epochSecond) {
        return Math.floorDiv(epochSecond, 86_400) * 86_400;
    }

    /** The start of the ISO week (Monday, UTC) of {@code epochSecond}. */
    static long week(long epochSecond) {
        LocalDate d = LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400));
        return d.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).toEpochDay() * 86_400;
    }
}
