package io.sluice.jobs.analytics;

/** What sessionization keeps of an event: when it happened and its name. */
public class SessionEvent {
    public long occurredAtUs;
    public String eventName;

    public SessionEvent() {}

    public SessionEvent(long occurredAtUs, String eventName) {
        this.occurredAtUs = occurredAtUs;
        this.eventName = eventName;
    }
}
