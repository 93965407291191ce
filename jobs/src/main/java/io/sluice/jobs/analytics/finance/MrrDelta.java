package io.sluice.jobs.analytics.finance;

import java.util.Objects;

/**
 * A change of analytics.mrr_daily at one UTC day, from one customer: what to add to the MRR and the
 * active subscriptions of that day and every day after it ({@link #mrr}, {@link #active}: changes
 * of level), to that day's movements ({@link #newMrr}, {@link #expansion}, {@link #contraction},
 * {@link #churned}), and to the number of subscriptions starting that day ({@link #starts}, which
 * decides the first reported day). Negative to take back. Money in units of 1/10,000.
 *
 * <p>A POJO (public fields, no-arg constructor): sent between keyed operators.
 */
public class MrrDelta {
    public long day;
    public long mrr;
    public long active;
    public long newMrr;
    public long expansion;
    public long contraction;
    public long churned;
    public long starts;

    /** The LSN of the change that caused it: rows it moves are written at a version no lower. */
    public long lsn;

    public MrrDelta() {}

    MrrDelta(long day, long[] v, long lsn) {
        this.day = day;
        this.mrr = v[0];
        this.active = v[1];
        this.newMrr = v[2];
        this.expansion = v[3];
        this.contraction = v[4];
        this.churned = v[5];
        this.starts = v[6];
        this.lsn = lsn;
    }

    /** {mrr, active, new, expansion, contraction, churned, starts}. */
    long[] values() {
        return new long[] {mrr, active, newMrr, expansion, contraction, churned, starts};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MrrDelta d
                && d.day == day
                && d.lsn == lsn
                && java.util.Arrays.equals(d.values(), values());
    }

    @Override
    public int hashCode() {
        return Objects.hash(day, lsn, java.util.Arrays.hashCode(values()));
    }

    @Override
    public String toString() {
        return "mrr of day " + day + " " + java.util.Arrays.toString(values()) + " @" + lsn;
    }
}
