package io.sluice.jobs.analytics.model;

import java.util.Arrays;

/**
 * How one user's best attempt of a funnel on one day changes: {@code +1} adds the attempt to the
 * day's step counts, {@code -1} takes it out again (the user's best attempt changed or vanished).
 * The attempt reached steps 1 to {@link #level}; {@link #microsToStep}{@code [s - 1]} is the time
 * from step 1 to step {@code s} (so entry 0 is 0).
 */
public class FunnelDelta {
    public String funnel;

    /** The UTC day the attempt started, as days since the epoch. */
    public long day;

    public int sign;
    public int level;
    public long[] microsToStep;

    /** The LSN of the change behind it (see {@link EventDelta#lsn}). */
    public long lsn;

    public FunnelDelta() {}

    public FunnelDelta(String funnel, long day, int sign, long[] microsToStep, long lsn) {
        this.funnel = funnel;
        this.day = day;
        this.sign = sign;
        this.level = microsToStep.length;
        this.microsToStep = microsToStep;
        this.lsn = lsn;
    }

    /** The key of the funnel's day: {@code funnel|day}. */
    public String key() {
        return funnel + "|" + day;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunnelDelta d
                && d.funnel.equals(funnel)
                && d.day == day
                && d.sign == sign
                && d.level == level
                && Arrays.equals(d.microsToStep, microsToStep)
                && d.lsn == lsn;
    }

    @Override
    public int hashCode() {
        return funnel.hashCode() * 31 + Long.hashCode(day) * 7 + sign;
    }

    @Override
    public String toString() {
        return (sign > 0 ? "+" : "-")
                + key()
                + " level "
                + level
                + " "
                + Arrays.toString(microsToStep);
    }
}
