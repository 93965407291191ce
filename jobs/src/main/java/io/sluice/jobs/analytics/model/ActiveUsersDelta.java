package io.sluice.jobs.analytics.model;

/** How one user's activity change moves the active-user counts of one day. */
public class ActiveUsersDelta {
    public long day;
    public int dau;
    public int wau;
    public int mau;

    /** The LSN of the change behind it (see {@link EventDelta#lsn}). */
    public long lsn;

    public ActiveUsersDelta() {}

    public ActiveUsersDelta(long day, int dau, int wau, int mau, long lsn) {
        this.lsn = lsn;
        this.day = day;
        this.dau = dau;
        this.wau = wau;
        this.mau = mau;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ActiveUsersDelta d
                && d.day == day
                && d.dau == dau
                && d.wau == wau
                && d.mau == mau
                && d.lsn == lsn;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(day) * 31 + dau * 7 + wau * 3 + mau;
    }

    @Override
    public String toString() {
        return "day " + day + " dau" + dau + " wau" + wau + " mau" + mau;
    }
}
