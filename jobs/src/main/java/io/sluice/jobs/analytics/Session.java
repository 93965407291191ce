package io.sluice.jobs.analytics;

import java.util.Objects;

/** One session of a user as last written to analytics.sessions. */
public class Session {
    public long startedAtUs;
    public long endedAtUs;
    public long events;
    public String entryEvent;
    public String exitEvent;

    public Session() {}

    @Override
    public boolean equals(Object o) {
        return o instanceof Session s
                && s.startedAtUs == startedAtUs
                && s.endedAtUs == endedAtUs
                && s.events == events
                && Objects.equals(s.entryEvent, entryEvent)
                && Objects.equals(s.exitEvent, exitEvent);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(startedAtUs) * 31 + Long.hashCode(endedAtUs);
    }

    @Override
    public String toString() {
        return "session[" + startedAtUs + ".." + endedAtUs + ", " + events + " events]";
    }
}
