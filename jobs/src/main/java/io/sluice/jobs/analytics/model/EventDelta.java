package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.CleanEvent;
import java.util.Objects;

/**
 * A change to the set of counted events: {@code +1} adds the event to every rollup it falls in,
 * {@code -1} takes it out again (a delete, or the old side of a correction). Rollups are sums of
 * deltas, so they stay exact whatever order corrections arrive in.
 */
public class EventDelta {
    public int sign;
    public CleanEvent event;

    /**
     * The LSN of the change behind this delta (the snapshot anchor for snapshot rows): the rows it
     * moves are re-emitted at a version no lower (see {@link io.sluice.common.change.Versions}).
     */
    public long lsn;

    public EventDelta() {}

    public EventDelta(int sign, CleanEvent event, long lsn) {
        this.sign = sign;
        this.event = event;
        this.lsn = lsn;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventDelta d
                && d.sign == sign
                && d.lsn == lsn
                && Objects.equals(d.event, event);
    }

    @Override
    public int hashCode() {
        return sign * 31 + Objects.hashCode(event);
    }

    @Override
    public String toString() {
        return (sign > 0 ? "+" : "-") + event;
    }
}
