package io.sluice.jobs.analytics;

import java.util.Objects;

/**
 * The session state as the first release had it: without the {@code rewrites} field that the
 * current release added. ClusterUpgradeIT compiles this into a copy of the jobs jar to run "v1".
 */
public class Session {
    public long startedAtUs;
    public long endedAtUs;
    public long events;
    public String entryEvent;
    public String exitEvent;

    public Session() {}

    public void replaces(Session previous) {}

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
