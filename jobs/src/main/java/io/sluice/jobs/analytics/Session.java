package io.sluice.jobs.analytics;

import java.util.Objects;

/**
 * One session of a user as last written to analytics.sessions.
 *
 * <p>Keyed state (a Flink POJO): fields may be added, and a savepoint taken before restores them
 * with their Java defaults; do not remove or retype a field (docs/upgrades.md).
 */
public class Session {
    public long startedAtUs;
    public long endedAtUs;
    public long events;
    public String entryEvent;
    public String exitEvent;

    /**
     * How many times this session's row has been rewritten (a correction, a late event, a merge);
     * not part of the row. Added after the first release: restored from an older savepoint as 0.
     */
    public long rewrites;

    public Session() {}

    /** Carries the rewrite count on from the row this one replaces ({@code null}: a new row). */
    public void replaces(Session previous) {
        rewrites = previous == null ? 0 : previous.rewrites + 1;
    }

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
        return "session["
                + startedAtUs
                + ".."
                + endedAtUs
                + ", "
                + events
                + " events, "
                + rewrites
                + " rewrites]";
    }
}
