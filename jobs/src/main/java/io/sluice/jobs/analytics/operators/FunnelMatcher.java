package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.FunnelDefinition.Mode;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.annotation.Internal;

/**
 * What a funnel counts, for one user; the rule alone, without Flink.
 *
 * <ul>
 *   <li>A user's events are ordered by (occurred_at µs, event_id). An event matches step {@code i}
 *       when its name equals the step's event name and every filter's key has exactly that text
 *       value ({@link EventProperties#get}).
 *   <li>An attempt starts at a step-1 event at {@code t1}. {@link Mode#ORDERED} (ClickHouse's
 *       {@code windowFunnel}): step 2 is the first event after the step-1 event that matches step 2
 *       with {@code t ≤ t1 + window}; step 3 the first event after that one matching step 3 with
 *       {@code t ≤ t1 + window}; and so on (greedy earliest, which maximises the level). {@link
 *       Mode#STRICT}: step {@code k + 1} must be the user's very next event (any event, whatever
 *       its name) after step {@code k}'s event, match step {@code k + 1} and have {@code t ≤ t1 +
 *       window}; otherwise the attempt stops. The level is the number of steps reached (≥ 1). An
 *       event is at most one step of an attempt; one event may start an attempt and be a later step
 *       of an earlier one.
 *   <li>For each user and UTC day D with at least one step-1 event, the best attempt is the attempt
 *       starting on D with the greatest level; ties go to the earliest start. It contributes, for
 *       each step {@code s = 1..level}, one user to (funnel, D, s), with seconds to step {@code
 *       (t_s − t_1) / 1e6}. An attempt that crosses midnight counts on the day it started.
 *   <li>{@code funnel_daily(funnel, day, step, users, median_seconds_to_step)}: users is the number
 *       of users counted at (funnel, day, step); the median is the lower median (Postgres' {@code
 *       percentile_disc(0.5)}: the value at 1-based position ⌈n/2⌉ of the sorted values), 0 when
 *       there are no users. Every step 1..k of a day that ever had an attempt has a row; a day
 *       whose attempts all vanish keeps its rows, with 0 users.
 * </ul>
 *
 * <p>Hence a change at time {@code t} moves only the best attempts of days in {@code [day(t −
 * window), day(t)]}, and those need only the events from the start of the first such day to {@code
 * window} after the end of the last.
 */
@Internal
public final class FunnelMatcher implements Serializable {
    private static final long serialVersionUID = 1L;

    static final long DAY_US = 86_400_000_000L;

    private final int steps;
    private final Mode mode;
    private final long windowUs;

    public FunnelMatcher(int steps, Mode mode, long windowUs) {
        this.steps = steps;
        this.mode = mode;
        this.windowUs = windowUs;
    }

    public static FunnelMatcher of(FunnelDefinition funnel) {
        return new FunnelMatcher(funnel.steps().size(), funnel.mode(), funnel.windowUs());
    }

    /** The UTC day (days since the epoch) of a time in microseconds. */
    public static long day(long micros) {
        return Math.floorDiv(micros, DAY_US);
    }

    /**
     * The best attempt of each day in {@code [fromDay, toDay]} that has one, as the microseconds
     * from step 1 to each step reached (so its length is the level, and entry 0 is 0).
     *
     * @param times the user's events' times, in event order
     * @param masks per event, the steps it matches (bit {@code i}: step {@code i + 1}). ORDERED may
     *     leave out events that match no step; STRICT needs every event of the user, from the start
     *     of {@code fromDay} to {@code window} after the end of {@code toDay}
     */
    public Map<Long, long[]> bestAttempts(long[] times, int[] masks, long fromDay, long toDay) {
        int n = times.length;
        int[][] next = mode == Mode.ORDERED ? nextMatches(masks) : null;
        Map<Long, long[]> best = new TreeMap<>();
        long[] path = new long[steps];
        for (int i = 0; i < n; i++) {
            long d = day(times[i]);
            if ((masks[i] & 1) == 0 || d < fromDay || d > toDay) {
                continue;
            }
            long[] current = best.get(d);
            if (current != null && current.length == steps) {
                continue; // the earliest full attempt of the day is already found
            }
            int level = attempt(times, masks, next, i, path);
            if (current == null || level > current.length) {
                best.put(d, Arrays.copyOf(path, level));
            }
        }
        return best;
    }

    /**
     * Follows the attempt starting at event {@code start}; fills {@code path}, returns the level.
     */
    private int attempt(long[] times, int[] masks, int[][] next, int start, long[] path) {
        long t1 = times[start];
        long deadline = t1 > Long.MAX_VALUE - windowUs ? Long.MAX_VALUE : t1 + windowUs;
        path[0] = 0;
        int j = start;
        for (int s = 1; s < steps; s++) {
            j = next != null ? next[s][j] : j + 1;
            if (j >= times.length
                    || times[j] > deadline
                    || (next == null && (masks[j] >>> s & 1) == 0)) {
                return s;
            }
            path[s] = times[j] - t1;
        }
        return steps;
    }

    /**
     * {@code next[s][i]}: the first event after event {@code i} that matches step {@code s + 1}.
     */
    private int[][] nextMatches(int[] masks) {
        int n = masks.length;
        int[][] next = new int[steps][];
        for (int s = 1; s < steps; s++) {
            int[] ns = new int[n];
            int following = n;
            for (int i = n - 1; i >= 0; i--) {
                ns[i] = following;
                if ((masks[i] >>> s & 1) != 0) {
                    following = i;
                }
            }
            next[s] = ns;
        }
        return next;
    }
}
