package io.sluice.jobs.analytics.model;

import io.sluice.common.change.ChangeRecord;

/**
 * An events-table change with the event clock's watermark at the moment it was read: the lateness
 * verdicts downstream are taken against this stamp, so they are the same in every replay.
 */
public class StampedChange {
    public ChangeRecord change;

    /** The watermark (ms) before this change; {@link Long#MIN_VALUE} while none. */
    public long watermarkMs;

    public StampedChange() {}

    public StampedChange(ChangeRecord change, long watermarkMs) {
        this.change = change;
        this.watermarkMs = watermarkMs;
    }

    @Override
    public String toString() {
        return change + " @wm=" + watermarkMs;
    }
}
