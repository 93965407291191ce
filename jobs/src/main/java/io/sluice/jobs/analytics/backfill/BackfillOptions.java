package io.sluice.jobs.analytics.backfill;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.SluiceConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a backfill rebuilds and from where: its command line, checked before anything runs, with
 * messages that say what to fix. The range is hour-aligned (the rollups' largest window) and must
 * be closed ({@link #checkClosed}).
 *
 * <p>Usage: {@code BackfillJob --config F --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z
 * [--source postgres|archive] [--chunk-minutes 60] [--max-rows-per-second 0] [--tables all|events]}
 */
public record BackfillOptions(
        String config,
        Instant from,
        Instant to,
        Source source,
        Duration chunk,
        long maxRowsPerSecond,
        Tables tables) {

    static final String USAGE =
            "usage: BackfillJob --config F --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z"
                    + " [--source postgres|archive] [--chunk-minutes 60] [--max-rows-per-second N]"
                    + " [--tables all|events]";

    private static final List<String> KEYS =
            List.of(
                    "config",
                    "from",
                    "to",
                    "source",
                    "chunk-minutes",
                    "max-rows-per-second",
                    "tables");

    /** What a backfill rewrites. */
    public enum Tables {
        /**
         * Every analytics table: events and window rollups of the range, and the user-scoped tables
         * (sessions, sessions_daily, DAU/WAU/MAU, funnels, retention, adoption) from a replay of
         * the whole history ({@link UserTableRanges}).
         */
        ALL,
        /** analytics.events and the window rollups of the range only: reads only the range. */
        EVENTS
    }

    /** Where the rows of the range are read from. */
    public enum Source {
        /** The events table, re-read in {@code occurred_at} chunks. */
        POSTGRES,
        /** The Parquet archive's changes of the events table, replayed. */
        ARCHIVE;

        /** The name on the command line. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Parses and checks the arguments; an {@link IllegalArgumentException} says what to fix. */
    public static BackfillOptions parse(String[] args) {
        Map<String, String> a = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + args[i] + "'\n" + USAGE);
            }
            a.put(args[i].substring(2), args[++i]);
        }
        for (String key : a.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown option --" + key + "\n" + USAGE);
            }
        }
        if (!a.containsKey("config") || !a.containsKey("from") || !a.containsKey("to")) {
            throw new IllegalArgumentException("--config, --from and --to are required\n" + USAGE);
        }
        Instant from = hour(a.get("from"), "--from");
        Instant to = hour(a.get("to"), "--to");
        if (!from.isBefore(to)) {
            throw new IllegalArgumentException("--from must be before --to");
        }
        String source = a.getOrDefault("source", "postgres");
        if (!source.equals("postgres") && !source.equals("archive")) {
            throw new IllegalArgumentException(
                    "--source must be postgres or archive, got '" + source + "'");
        }
        String tables = a.getOrDefault("tables", "all");
        if (!tables.equals("all") && !tables.equals("events")) {
            throw new IllegalArgumentException(
                    "--tables must be all or events, got '" + tables + "'");
        }
        long chunkMinutes = Long.parseLong(a.getOrDefault("chunk-minutes", "60"));
        long rate = Long.parseLong(a.getOrDefault("max-rows-per-second", "0"));
        if (chunkMinutes < 1 || rate < 0) {
            throw new IllegalArgumentException(
                    "--chunk-minutes must be at least 1 and --max-rows-per-second not negative");
        }
        return new BackfillOptions(
                a.get("config"),
                from,
                to,
                Source.valueOf(source.toUpperCase(Locale.ROOT)),
                Duration.ofMinutes(chunkMinutes),
                rate,
                Tables.valueOf(tables.toUpperCase(Locale.ROOT)));
    }

    private static Instant hour(String text, String option) {
        Instant t;
        try {
            t = Instant.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    option
                            + " must be an ISO-8601 UTC time like 2026-11-20T00:00:00Z, got '"
                            + text
                            + "'");
        }
        if (t.getEpochSecond() % 3600 != 0 || t.getNano() != 0) {
            throw new IllegalArgumentException(
                    option + " must be on a whole hour (the rollups' largest window), got " + t);
        }
        return t;
    }

    /** Refuses a range the streaming job may still change. */
    public void checkClosed(SluiceConfig config, Instant now) {
        Duration open =
                config.get(AnalyticsOptions.REPAIR_HORIZON)
                        .plus(config.get(AnalyticsOptions.OUT_OF_ORDERNESS));
        if (to.isAfter(now.minus(open))) {
            throw new ConfigException(
                    List.of(
                            "--to "
                                    + to
                                    + " is too recent: the streaming job may still change windows"
                                    + " after "
                                    + now.minus(open)
                                    + " (now minus analytics.repair-horizon and"
                                    + " analytics.out-of-orderness); pick an earlier --to"));
        }
    }

    /**
     * The {@link #chunk} slices of {@code occurred_at} from {@code readFromMs} to {@code readToMs}
     * (the range, or the history a rebuild of the user-scoped tables replays), the last shorter.
     */
    List<ChunkSplit> chunks(long readFromMs, long readToMs) {
        return ChunkSplit.cut(readFromMs, readToMs, chunk.toMillis());
    }

    /** The Flink job's name. */
    public String jobName() {
        return "sluice-backfill " + source.cliName() + " " + from + ".." + to;
    }
}
