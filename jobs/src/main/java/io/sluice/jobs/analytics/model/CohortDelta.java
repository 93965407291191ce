package io.sluice.jobs.analytics.model;

import java.util.Arrays;

/**
 * One user's contribution to the rows of a cohort week, added ({@code sign} +1) or taken back (−1):
 * the user counts in {@code cohort_users} of the cohort, in {@code retained_users} of every week n
 * whose bit is set in {@link #retainedMask}, and in {@code adopters} of week n and later of every
 * feature in {@link #features} whose {@link #firstUseWeekN} is n. A user's contribution changes as
 * −old then +new, both with the LSN of the change behind it.
 *
 * <p>A POJO (public fields, no-arg constructor): Flink sends it between keyed operators and keeps
 * it in state with its POJO serializer.
 */
public class CohortDelta {
    /** Weeks a cohort is followed for: week 0 (the cohort week) to week 12. */
    public static final int WEEKS = 13;

    private static final long DAY_US = 86_400_000_000L;

    public int sign;

    /** The Monday of the cohort week, as days since the epoch. */
    public long cohortWeek;

    /** Bit n (0..12) set when the user had a return event in week {@code cohortWeek + n}. */
    public int retainedMask;

    /** The features the user first used in weeks 0..12 of the cohort, in ascending order. */
    public String[] features;

    /** For each of {@link #features}, the week n (0..12) of the user's first use. */
    public int[] firstUseWeekN;

    /** The LSN of the change behind it (see {@link EventDelta#lsn}). */
    public long lsn;

    public CohortDelta() {}

    public CohortDelta(
            int sign,
            long cohortWeek,
            int retainedMask,
            String[] features,
            int[] firstUseWeekN,
            long lsn) {
        this.sign = sign;
        this.cohortWeek = cohortWeek;
        this.retainedMask = retainedMask;
        this.features = features;
        this.firstUseWeekN = firstUseWeekN;
        this.lsn = lsn;
    }

    /** The Monday (as days since the epoch) of the ISO week, in UTC, of an instant in micros. */
    public static long weekOf(long epochMicros) {
        long day = Math.floorDiv(epochMicros, DAY_US);
        return day - Math.floorMod(day + 3, 7); // 1970-01-01 was a Thursday
    }

    /** The same contribution with another sign and LSN. */
    public CohortDelta withSign(int newSign, long newLsn) {
        return new CohortDelta(newSign, cohortWeek, retainedMask, features, firstUseWeekN, newLsn);
    }

    /** Whether {@code o} counts the user in the same rows (sign and LSN aside). */
    public boolean sameContribution(CohortDelta o) {
        return o != null
                && o.cohortWeek == cohortWeek
                && o.retainedMask == retainedMask
                && Arrays.equals(o.features, features)
                && Arrays.equals(o.firstUseWeekN, firstUseWeekN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CohortDelta d && d.sign == sign && d.lsn == lsn && sameContribution(d);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(cohortWeek) * 31 + retainedMask * 7 + sign;
    }

    @Override
    public String toString() {
        return (sign > 0 ? "+" : "-")
                + "cohort "
                + cohortWeek
                + " retained "
                + Integer.toBinaryString(retainedMask)
                + " features "
                + Arrays.toString(features)
                + " at "
                + Arrays.toString(firstUseWeekN);
    }
}
