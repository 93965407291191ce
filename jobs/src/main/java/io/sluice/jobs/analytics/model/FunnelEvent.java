package io.sluice.jobs.analytics.model;

/**
 * What {@code FunnelFunction} keeps of a user's event: its time and, per configured funnel (in
 * configuration order), the bit mask of the steps it matches (bit {@code i}: step {@code i + 1}).
 */
public class FunnelEvent {
    public long occurredAtUs;
    public int[] stepMasks;

    public FunnelEvent() {}

    public FunnelEvent(long occurredAtUs, int[] stepMasks) {
        this.occurredAtUs = occurredAtUs;
        this.stepMasks = stepMasks;
    }
}
