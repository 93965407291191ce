package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.operators.Sessionizer;
import io.sluice.jobs.analytics.setup.AnalyticsTables;

/**
 * A row of analytics.sessions: one session of a user, keyed by user and session id; a merged
 * session deletes the one it absorbed.
 */
public record SessionRow(
        String sessionId,
        String userId,
        long startedAtUs,
        long endedAtUs,
        long events,
        String entryEvent,
        String exitEvent,
        long version,
        boolean deleted)
        implements TableRow {

    static final RowEncoder<SessionRow> ENCODER =
            RowEncoder.<SessionRow>forTable(AnalyticsTables.SESSIONS_TABLE)
                    .put("session_id", SessionRow::sessionId)
                    .put("user_id", SessionRow::userId)
                    .put("started_at", r -> AnalyticsTables.dateTime(r.startedAtUs))
                    .put("ended_at", r -> AnalyticsTables.dateTime(r.endedAtUs))
                    .put("started_at_us", r -> Long.toString(r.startedAtUs))
                    .put("ended_at_us", r -> Long.toString(r.endedAtUs))
                    .put("duration_s", r -> Long.toString(r.durationS()))
                    .put("events", r -> Long.toString(r.events))
                    .put("entry_event", SessionRow::entryEvent)
                    .put("exit_event", SessionRow::exitEvent)
                    .put("_version", r -> Long.toString(r.version))
                    .put("_is_deleted", r -> r.deleted ? "1" : "0")
                    .build();

    /** The row of {@code session} of {@code user} (a tombstone when {@code deleted}). */
    public static SessionRow of(String user, Session session, long version, boolean deleted) {
        return new SessionRow(
                Sessionizer.sessionId(user, session.startedAtUs),
                user,
                session.startedAtUs,
                session.endedAtUs,
                session.events,
                session.entryEvent,
                session.exitEvent,
                version,
                deleted);
    }

    /** Whole seconds from the first event to the last. */
    long durationS() {
        return Math.floorDiv(endedAtUs - startedAtUs, 1_000_000L);
    }

    @Override
    public String key() {
        return userId + "|" + sessionId;
    }

    public AnalyticsRow encode() {
        return ENCODER.encode(this);
    }
}
