package io.sluice.jobs.analytics.model;

import java.util.Arrays;
import org.apache.flink.annotation.Internal;

/**
 * A user's recent events in one compact value, in event order ({@code occurred_at}, then event id):
 * each event's time, id, {@code width} ints (the step masks of a funnel operator) and an optional
 * label (the event name, for sessionization). Kept as one keyed {@code ValueState} per user instead
 * of one map entry per event: the heap backend copies a state value that is written while a
 * checkpoint runs, and writes the whole state at every checkpoint, so a handful of arrays instead
 * of a hash map of objects with 57-character string keys is what makes both cheap ({@link
 * EventLogSerializer} writes it as one block).
 *
 * <p>An operator that derives rows from the log lazily (sessionization) also keeps its pending work
 * here, so that a change costs one state read and one write: the newest LSN among the changes
 * applied ({@link #newestLsn}), which events changed since the last derivation ({@link
 * #pendingFrom}), when the timer that derives them fires ({@link #pendingTimer}), until when a
 * change waits for that timer instead of being derived at once ({@link #holdUntil}), and which of
 * the rows it last wrote is the last one ({@link #lastStart}).
 *
 * <p>Mutable: read it from state, change it, and write it back with {@code update}.
 */
@Internal
public final class EventLog {
    /** {@link #pendingFrom}: nothing changed since the last derivation. */
    public static final int CLEAN = -1;

    /** {@link #pendingFrom}: changed other than by appends; the next derivation reads all. */
    public static final int ALL = -2;

    /**
     * {@link #pendingFrom}: read from a log written before the marks existed (format 1), whose
     * operator kept them in states of their own; it reads them from there.
     */
    public static final int UNKNOWN = -3;

    private final int width;
    private final boolean labelled;

    int size;
    long newestLsn;
    int pendingFrom = CLEAN;
    long pendingTimer = Long.MIN_VALUE;
    long holdUntil = Long.MIN_VALUE;
    long lastStart = Long.MIN_VALUE;
    long[] times;
    String[] ids;

    /*
     * Ids not decoded yet (read from state, where most reads need only times and ints): the block
     * the log was read from, and where each event's id is in it (its UTF-8 length, then the bytes;
     * -1: ids[i] holds it). Null when every id is in ids. Moved with ids; the block is never
     * changed, so copies share it.
     */
    byte[] raw;
    int[] rawAt;
    int[] ints;
    String[] labels;

    EventLog(int width, boolean labelled, int capacity) {
        this.width = width;
        this.labelled = labelled;
        this.times = new long[capacity];
        this.ids = new String[capacity];
        this.ints = new int[capacity * width];
        this.labels = labelled ? new String[capacity] : null;
    }

    /** An empty log whose events carry {@code width} ints and, if {@code labelled}, a label. */
    public static EventLog empty(int width, boolean labelled) {
        return new EventLog(width, labelled, 4);
    }

    public int size() {
        return size;
    }

    public int width() {
        return width;
    }

    public boolean labelled() {
        return labelled;
    }

    /** The newest LSN among the changes noted with {@link #noteLsn} (0: none). */
    public long newestLsn() {
        return newestLsn;
    }

    public void noteLsn(long lsn) {
        newestLsn = Math.max(newestLsn, lsn);
    }

    /**
     * What changed since the last derivation: {@link #CLEAN}, {@link #ALL}, {@link #UNKNOWN}, or an
     * index: only the events from it on were added, each after all events before it.
     */
    public int pendingFrom() {
        return pendingFrom;
    }

    public void pendingFrom(int pending) {
        pendingFrom = pending;
    }

    /**
     * When the timer that derives the pending changes fires (the operator's time domain; {@link
     * Long#MIN_VALUE}: none recorded).
     */
    public long pendingTimer() {
        return pendingTimer;
    }

    public void pendingTimer(long timestamp) {
        pendingTimer = timestamp;
    }

    /**
     * Processing time before which a change waits for a timer instead of being derived at once: the
     * second after the last derivation ({@link Long#MIN_VALUE}: none recorded).
     */
    public long holdUntil() {
        return holdUntil;
    }

    public void holdUntil(long processingTime) {
        holdUntil = processingTime;
    }

    /**
     * The key of the last row the operator wrote from this log (for sessionization: the start of
     * the user's last written session); {@link Long#MIN_VALUE}: not recorded, or none.
     */
    public long lastStart() {
        return lastStart;
    }

    public void lastStart(long key) {
        lastStart = key;
    }

    public long time(int i) {
        return times[i];
    }

    public String id(int i) {
        String id = ids[i];
        if (id == null && raw != null && rawAt[i] >= 0) {
            id = BlockSerializer.readText(raw, rawAt[i]);
            ids[i] = id;
            rawAt[i] = -1;
        }
        return id;
    }

    /** The {@code k}-th int of event {@code i}. */
    public int value(int i, int k) {
        return ints[i * width + k];
    }

    public String label(int i) {
        return labelled ? labels[i] : null;
    }

    /** Adds the event, or replaces what the log holds for the same time and id. */
    public void put(long time, String id, int[] values, String label) {
        int at = search(time, id);
        if (at < 0) {
            at = -at - 1;
            grow();
            System.arraycopy(times, at, times, at + 1, size - at);
            System.arraycopy(ids, at, ids, at + 1, size - at);
            if (raw != null) {
                System.arraycopy(rawAt, at, rawAt, at + 1, size - at);
            }
            System.arraycopy(ints, at * width, ints, (at + 1) * width, (size - at) * width);
            if (labelled) {
                System.arraycopy(labels, at, labels, at + 1, size - at);
            }
            size++;
        }
        times[at] = time;
        ids[at] = id;
        if (raw != null) {
            rawAt[at] = -1; // for a null id: not one of the block's
        }
        for (int k = 0; k < width; k++) {
            ints[at * width + k] = values != null && k < values.length ? values[k] : 0;
        }
        if (labelled) {
            labels[at] = label;
        }
    }

    /** Removes the event with this time and id; whether it was there. */
    public boolean remove(long time, String id) {
        int at = search(time, id);
        if (at < 0) {
            return false;
        }
        System.arraycopy(times, at + 1, times, at, size - at - 1);
        System.arraycopy(ids, at + 1, ids, at, size - at - 1);
        if (raw != null) {
            System.arraycopy(rawAt, at + 1, rawAt, at, size - at - 1);
        }
        System.arraycopy(ints, (at + 1) * width, ints, at * width, (size - at - 1) * width);
        if (labelled) {
            System.arraycopy(labels, at + 1, labels, at, size - at - 1);
        }
        size--;
        ids[size] = null;
        if (labelled) {
            labels[size] = null;
        }
        return true;
    }

    /** Whether an event with this time and id would come after every event in the log. */
    public boolean isAfterLast(long time, String id) {
        return size == 0 || compare(time, id, size - 1) > 0;
    }

    /** The index of the first event at or after {@code time} ({@link #size} if none). */
    public int firstAtOrAfter(long time) {
        int lo = 0;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < time) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * Puts every event of {@code segment} into this log (as {@link #put}): the log grows by the
     * segment's events, in event order whatever order the segments come in.
     */
    public void putAll(EventLog segment) {
        for (int i = 0; i < segment.size; i++) {
            int[] values = null;
            if (segment.width > 0) {
                values =
                        Arrays.copyOfRange(
                                segment.ints, i * segment.width, (i + 1) * segment.width);
            }
            put(segment.times[i], segment.id(i), values, segment.label(i));
        }
    }

    /** Drops the first {@code n} events. */
    public void dropFirst(int n) {
        if (n <= 0) {
            return;
        }
        int keep = size - n;
        if (pendingFrom >= 0) {
            pendingFrom = Math.max(0, pendingFrom - n);
        }
        System.arraycopy(times, n, times, 0, keep);
        System.arraycopy(ids, n, ids, 0, keep);
        if (raw != null) {
            System.arraycopy(rawAt, n, rawAt, 0, keep);
        }
        System.arraycopy(ints, n * width, ints, 0, keep * width);
        Arrays.fill(ids, keep, size, null);
        if (labelled) {
            System.arraycopy(labels, n, labels, 0, keep);
            Arrays.fill(labels, keep, size, null);
        }
        size = keep;
        if (keep == 0) {
            raw = null; // the block is not kept for ids that are gone
            rawAt = null;
        }
    }

    /** A copy holding exactly the events (no spare capacity). */
    public EventLog copy() {
        EventLog c = new EventLog(width, labelled, size);
        c.size = size;
        c.newestLsn = newestLsn;
        c.pendingFrom = pendingFrom;
        c.pendingTimer = pendingTimer;
        c.holdUntil = holdUntil;
        c.lastStart = lastStart;
        System.arraycopy(times, 0, c.times, 0, size);
        System.arraycopy(ids, 0, c.ids, 0, size);
        if (raw != null) {
            c.raw = raw;
            c.rawAt = Arrays.copyOf(rawAt, size);
        }
        System.arraycopy(ints, 0, c.ints, 0, size * width);
        if (labelled) {
            System.arraycopy(labels, 0, c.labels, 0, size);
        }
        return c;
    }

    /** Binary search by (time, id): the index, or {@code -(insertion point) - 1}. */
    private int search(long time, String id) {
        int lo = 0;
        int hi = size - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(time, id, mid);
            if (c > 0) {
                lo = mid + 1;
            } else if (c < 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -lo - 1;
    }

    /** Event order: the order of {@code Sessionizer.eventKey} (time, then the id's text). */
    private int compare(long time, String id, int i) {
        int c = Long.compare(time, times[i]);
        return c != 0 ? c : id.compareTo(id(i));
    }

    private void grow() {
        if (size < times.length) {
            return;
        }
        int capacity = Math.max(4, times.length * 2);
        times = Arrays.copyOf(times, capacity);
        ids = Arrays.copyOf(ids, capacity);
        if (raw != null) {
            rawAt = Arrays.copyOf(rawAt, capacity);
        }
        ints = Arrays.copyOf(ints, capacity * width);
        if (labelled) {
            labels = Arrays.copyOf(labels, capacity);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EventLog other)
                || other.size != size
                || other.newestLsn != newestLsn
                || other.pendingFrom != pendingFrom
                || other.pendingTimer != pendingTimer
                || other.holdUntil != holdUntil
                || other.lastStart != lastStart
                || other.width != width
                || other.labelled != labelled) {
            return false;
        }
        return Arrays.equals(times, 0, size, other.times, 0, size)
                && sameIds(other)
                && Arrays.equals(ints, 0, size * width, other.ints, 0, size * width)
                && (!labelled || Arrays.equals(labels, 0, size, other.labels, 0, size));
    }

    private boolean sameIds(EventLog other) {
        for (int i = 0; i < size; i++) {
            if (!java.util.Objects.equals(id(i), other.id(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(Arrays.copyOf(times, size)) * 31 + size;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("EventLog[");
        if (newestLsn != 0 || pendingFrom != CLEAN) {
            b.append("lsn ")
                    .append(newestLsn)
                    .append(", pending ")
                    .append(pendingFrom)
                    .append(": ");
        }
        for (int i = 0; i < size; i++) {
            b.append(i == 0 ? "" : ", ").append(times[i]).append('/').append(id(i));
            for (int k = 0; k < width; k++) {
                b.append(k == 0 ? '/' : ',').append(ints[i * width + k]);
            }
            if (labelled) {
                b.append('/').append(labels[i]);
            }
        }
        return b.append(']').toString();
    }
}
