package io.sluice.jobs.analytics.operators;

import io.sluice.jobs.analytics.Session;
import io.sluice.jobs.analytics.SessionEvent;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The sessionization rule, apart from Flink's state and timers ({@link SessionizeFunction} keeps
 * those and delegates here). A user's events, in (occurred_at, event_id) order, split into
 * sessions: a session starts at the user's first event, and at any event more than {@code gap}
 * after the one before it or at least {@code maxLength} after the session's start.
 *
 * <p>Only a prefix of a user's sessions can be final: a later session's start depends on the ones
 * before it. A session is final once it ended more than {@code gap} before the watermark minus the
 * repair horizon, since any event that could still arrive then starts a new session.
 */
public final class Sessionizer implements Serializable {
    private static final long serialVersionUID = 1L;

    /** One MD5 digest per thread, for {@link #sessionId}. */
    private static final ThreadLocal<MessageDigest> MD5 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("MD5");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("MD5 is required of every JVM", e);
                        }
                    });

    private final long gapUs;
    private final long maxLengthUs;

    Sessionizer(long gapUs, long maxLengthUs) {
        this.gapUs = gapUs;
        this.maxLengthUs = maxLengthUs;
    }

    /** The sessions of {@code events}, which are in session order ({@link #eventKey}). */
    List<Session> sessionize(Iterable<SessionEvent> events) {
        List<Session> sessions = new ArrayList<>();
        Session open = null;
        for (SessionEvent e : events) {
            open = extend(sessions, open, e);
        }
        return sessions;
    }

    /**
     * The sessions that change when {@code tail}, events after all others, follow the user's last
     * written session {@code last} ({@code null}: none): a copy of {@code last}, extended, then any
     * new sessions. Every other session stays as it was.
     */
    List<Session> append(Session last, List<SessionEvent> tail) {
        List<Session> sessions = new ArrayList<>();
        Session open = null;
        if (last != null) {
            open = new Session();
            open.startedAtUs = last.startedAtUs;
            open.endedAtUs = last.endedAtUs;
            open.events = last.events;
            open.entryEvent = last.entryEvent;
            open.exitEvent = last.exitEvent;
            sessions.add(open);
        }
        for (SessionEvent e : tail) {
            open = extend(sessions, open, e);
        }
        return sessions;
    }

    /**
     * Adds {@code ev}, which follows every event before it, to the open session, or starts a new
     * one (added to {@code sessions}); returns the session now open.
     */
    private Session extend(List<Session> sessions, Session open, SessionEvent ev) {
        if (open == null
                || ev.occurredAtUs - open.endedAtUs > gapUs
                || ev.occurredAtUs - open.startedAtUs >= maxLengthUs) {
            open = new Session();
            open.startedAtUs = ev.occurredAtUs;
            open.entryEvent = ev.eventName;
            sessions.add(open);
        }
        open.endedAtUs = ev.occurredAtUs;
        open.exitEvent = ev.eventName;
        open.events++;
        return open;
    }

    /**
     * Sessions that end before this (micros) are final at watermark {@code watermarkMs}: any event
     * that could still arrive is more than a gap after them.
     */
    long finalHorizonUs(long watermarkMs, long horizonMs) {
        long limitMs = watermarkMs - horizonMs;
        return limitMs >= Long.MAX_VALUE / 1000 ? Long.MAX_VALUE : limitMs * 1000 - gapUs;
    }

    /**
     * How many of {@code sessions} (in order) are final: the prefix that ended before {@code
     * horizonUs}.
     */
    static int finalPrefix(List<Session> sessions, long horizonUs) {
        int n = 0;
        for (Session s : sessions) {
            if (s.endedAtUs >= horizonUs) {
                break;
            }
            n++;
        }
        return n;
    }

    /** An event's key in session order: occurred_at, then event id. */
    static String eventKey(long occurredAtUs, String eventId) {
        return sortable(occurredAtUs) + "|" + eventId;
    }

    /** Micros as a fixed-width string whose lexical order is numeric order. */
    static String sortable(long micros) {
        String unsigned = Long.toUnsignedString(micros ^ Long.MIN_VALUE);
        return "0".repeat(20 - unsigned.length()) + unsigned;
    }

    /**
     * A session's id: a hash of user and start, so a merged session keeps the earlier one's. The
     * name-based UUID of {@code user|start} ({@link UUID#nameUUIDFromBytes}, version 3, MD5), with
     * one digest per thread: {@code nameUUIDFromBytes} looks its digest up among the security
     * providers on every call, which cost as much as the hash itself.
     */
    public static String sessionId(String user, long startedAtUs) {
        MessageDigest md5 = MD5.get();
        byte[] h = md5.digest((user + "|" + startedAtUs).getBytes(StandardCharsets.UTF_8));
        h[6] &= 0x0f;
        h[6] |= 0x30; // version 3
        h[8] &= 0x3f;
        h[8] |= (byte) 0x80; // IETF variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (h[i] & 0xff);
            lsb = (lsb << 8) | (h[8 + i] & 0xff);
        }
        return new UUID(msb, lsb).toString();
    }
}
