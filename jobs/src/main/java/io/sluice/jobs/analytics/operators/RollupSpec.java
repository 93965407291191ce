package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.SluiceConfig;
import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.EventsPerWindowRow;
import io.sluice.jobs.analytics.model.RequestSchema;
import io.sluice.jobs.analytics.model.SessionsDailyRow;
import io.sluice.jobs.analytics.setup.AnalyticsTables;
import java.io.Serializable;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;

/**
 * What a counting rollup counts: which events it takes, the row key and window an event falls in,
 * what each event adds, and how a key's counts become a row.
 */
public interface RollupSpec extends Serializable {
    /** Operator name and uid suffix, e.g. {@code events-per-minute}. */
    String name();

    boolean accepts(CleanEvent event);

    String key(CleanEvent event);

    /**
     * End of the event's window (ms): its state is dropped once the watermark passes it plus the
     * lateness.
     */
    long windowEndMs(CleanEvent event);

    /** What one event adds to each count of its row. */
    long[] increments(CleanEvent event);

    /** The row for a key, given any event of that key. */
    AnalyticsRow row(CleanEvent event, long[] counts, long version);

    /**
     * What of an event a pre-aggregated delta carries across the shuffle ({@link RollupCombiner}):
     * enough for {@link #key}, {@link #increments} and {@link #row}. By default the event without
     * its properties.
     */
    default CleanEvent reduce(CleanEvent e) {
        CleanEvent r = new CleanEvent();
        r.eventId = e.eventId;
        r.userId = e.userId;
        r.occurredAtUs = e.occurredAtUs;
        r.eventName = e.eventName;
        r.counted = e.counted;
        return r;
    }

    /** Events per tumbling window (epoch-aligned) and event name. */
    static RollupSpec eventsPerWindow(String table, long sizeMs) {
        return new RollupSpec() {
            private static final long serialVersionUID = 1L;

            @Override
            public String name() {
                return table.replace('_', '-');
            }

            @Override
            public boolean accepts(CleanEvent event) {
                return true;
            }

            private long start(CleanEvent e) {
                return Math.floorDiv(e.occurredAtMs(), sizeMs) * sizeMs;
            }

            @Override
            public String key(CleanEvent e) {
                return EventsPerWindowRow.key(start(e), e.eventName);
            }

            @Override
            public long windowEndMs(CleanEvent e) {
                return start(e) + sizeMs;
            }

            @Override
            public long[] increments(CleanEvent e) {
                return new long[] {1};
            }

            @Override
            public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
                return new EventsPerWindowRow(table, start(e), e.eventName, counts[0], version)
                        .encode();
            }
        };
    }

    /** The count rollup of an {@code analytics.rollups} entry, as the configuration defines it. */
    static RollupSpec of(Rollup rollup, SluiceConfig config) {
        return switch (rollup) {
            case LATENCY_1M, LATENCY_1H ->
                    new LatencySpec(
                            rollup.tableName(),
                            rollup == Rollup.LATENCY_1M ? 60_000L : 3_600_000L,
                            RequestSchema.fromConfig(config),
                            new EventProperties(EventSchema.fromConfig(config).promoted()));
            case ERRORS_1M, ERRORS_1H ->
                    new ErrorsRollup(
                            rollup.tableName(),
                            rollup == Rollup.ERRORS_1M ? 60_000L : 3_600_000L,
                            RequestSchema.fromConfig(config),
                            new EventProperties(EventSchema.fromConfig(config).promoted()));
            default -> named(rollup.tableName());
        };
    }

    /**
     * The keyed function that turns a rollup's deltas into rows: {@link LatencyFunction} for a
     * latency rollup, {@link CountRollupFunction} for every other; rows start above {@code
     * versionBase} (a backfill's, or 0).
     */
    static KeyedProcessFunction<String, EventDelta, AnalyticsRow> function(
            RollupSpec spec, long horizonMs, long versionBase) {
        return spec instanceof LatencySpec latency
                ? new LatencyFunction(latency, horizonMs, versionBase)
                : new CountRollupFunction(spec, horizonMs, versionBase);
    }

    /** The count rollup named by an {@code analytics.rollups} entry that needs no configuration. */
    static RollupSpec named(String name) {
        return switch (name) {
            case AnalyticsTables.EVENTS_PER_MINUTE ->
                    eventsPerWindow(AnalyticsTables.EVENTS_PER_MINUTE, 60_000L);
            case AnalyticsTables.EVENTS_PER_5M ->
                    eventsPerWindow(AnalyticsTables.EVENTS_PER_5M, 300_000L);
            case AnalyticsTables.EVENTS_PER_HOUR ->
                    eventsPerWindow(AnalyticsTables.EVENTS_PER_HOUR, 3_600_000L);
            case AnalyticsTables.SESSIONS_DAILY -> sessionsDaily();
            default -> throw new IllegalArgumentException("no rollup named " + name);
        };
    }

    /**
     * Per user and UTC day with events, the number of {@code session_start} and {@code session_end}
     * events and of all events (the sessions_daily model of dbt-based stacks: {@code GROUP BY
     * user_id, toStartOfDay(occurred_at)} over all events, {@code countIf} for starts and ends).
     */
    static RollupSpec sessionsDaily() {
        return new RollupSpec() {
            private static final long serialVersionUID = 1L;
            private static final long DAY = 86_400_000L;

            @Override
            public String name() {
                return "sessions-daily";
            }

            @Override
            public boolean accepts(CleanEvent e) {
                return true;
            }

            private long day(CleanEvent e) {
                return Math.floorDiv(e.occurredAtMs(), DAY);
            }

            @Override
            public String key(CleanEvent e) {
                return SessionsDailyRow.key(day(e), e.userId);
            }

            @Override
            public long windowEndMs(CleanEvent e) {
                return (day(e) + 1) * DAY;
            }

            @Override
            public long[] increments(CleanEvent e) {
                return new long[] {
                    e.eventName.equals("session_start") ? 1 : 0,
                    e.eventName.equals("session_end") ? 1 : 0,
                    1
                };
            }

            @Override
            public AnalyticsRow row(CleanEvent e, long[] counts, long version) {
                return new SessionsDailyRow(
                                day(e), e.userId, counts[0], counts[1], counts[2], version)
                        .encode();
            }
        };
    }
}
