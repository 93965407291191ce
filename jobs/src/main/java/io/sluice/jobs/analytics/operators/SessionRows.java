package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.SessionRow;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.util.Collector;

/**
 * The rows {@link SessionizeFunction} writes for a user's derived sessions: only the sessions that
 * differ from the rows last written for them (kept in {@code written}, by start), and a delete for
 * each written session that no longer exists. Every row of one derivation carries its version.
 */
final class SessionRows {
    private SessionRows() {}

    /**
     * Writes the sessions derived from all of the user's events, and deletes the vanished ones;
     * returns the start of the last session ({@link Long#MIN_VALUE}: none).
     */
    static long emitAll(
            String user,
            List<Session> sessions,
            MapState<Long, Session> written,
            long version,
            Collector<AnalyticsRow> out)
            throws Exception {
        Set<Long> starts = new HashSet<>();
        for (Session s : sessions) {
            starts.add(s.startedAtUs);
            Session previous = written.get(s.startedAtUs);
            if (!s.equals(previous)) {
                s.replaces(previous);
                written.put(s.startedAtUs, s);
                out.collect(row(user, s, version, false));
            }
        }
        List<Long> gone = new ArrayList<>();
        for (Map.Entry<Long, Session> w : written.entries()) {
            if (!starts.contains(w.getKey())) {
                gone.add(w.getKey());
                out.collect(row(user, w.getValue(), version, true));
            }
        }
        for (Long start : gone) {
            written.remove(start);
        }
        return sessions.isEmpty() ? Long.MIN_VALUE : sessions.get(sessions.size() - 1).startedAtUs;
    }

    /**
     * The written session that started last, or null: the one at {@code lastStart} if that is
     * recorded ({@link Long#MIN_VALUE}: not recorded, then all written sessions are read).
     */
    static Session last(MapState<Long, Session> written, long lastStart) throws Exception {
        if (lastStart != Long.MIN_VALUE) {
            Session last = written.get(lastStart);
            if (last == null) {
                throw new IllegalStateException(
                        "the last written session is recorded at "
                                + lastStart
                                + " but no session is written there");
            }
            return last;
        }
        Session last = null;
        for (Session w : written.values()) {
            if (last == null || w.startedAtUs > last.startedAtUs) {
                last = w;
            }
        }
        return last;
    }

    /**
     * Writes the sessions derived from {@code last} (the last written session, or null) and the
     * events appended after it: the ones that differ from what was written. Returns the start of
     * the last session.
     */
    static long emitAppended(
            String user,
            Session last,
            List<Session> sessions,
            MapState<Long, Session> written,
            long version,
            Collector<AnalyticsRow> out)
            throws Exception {
        for (Session s : sessions) {
            Session previous = last != null && s.startedAtUs == last.startedAtUs ? last : null;
            if (!s.equals(previous)) {
                s.replaces(previous);
                written.put(s.startedAtUs, s);
                out.collect(row(user, s, version, false));
            }
        }
        if (!sessions.isEmpty()) {
            return sessions.get(sessions.size() - 1).startedAtUs;
        }
        return last == null ? Long.MIN_VALUE : last.startedAtUs;
    }

    private static AnalyticsRow row(String user, Session s, long version, boolean deleted) {
        return SessionRow.of(user, s, version, deleted).encode();
    }
}
