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

    /** Writes the sessions derived from all of the user's events, and deletes the vanished ones. */
    static void emitAll(
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
    }

    /** The written session that started last, or null. */
    static Session last(MapState<Long, Session> written) throws Exception {
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
     * events appended after it: the ones that differ from what was written.
     */
    static void emitAppended(
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
    }

    private static AnalyticsRow row(String user, Session s, long version, boolean deleted) {
        return SessionRow.of(user, s, version, deleted).encode();
    }
}
