package io.sluice.jobs.analytics.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Writes an {@link EventLog} as one block ({@link BlockSerializer}): the pending-derivation marks,
 * the times, the ids (UTF-8), the ints, and the labels through a dictionary (a user's events have a
 * handful of names). Format 1 had no marks: such a log is read with {@link EventLog#UNKNOWN};
 * format 2 had no {@link EventLog#holdUntil} and {@link EventLog#lastStart}: read as not recorded.
 */
@Internal
public final class EventLogSerializer extends BlockSerializer<EventLog> {
    private static final long serialVersionUID = 1L;

    private static final byte FORMAT = 3;

    /** Before {@link EventLog#holdUntil} and {@link EventLog#lastStart}. */
    private static final byte FORMAT_WITHOUT_HOLD = 2;

    /** Before the pending-derivation marks. */
    private static final byte FORMAT_WITHOUT_MARKS = 1;

    @Override
    public TypeSerializer<EventLog> duplicate() {
        return new EventLogSerializer();
    }

    @Override
    public EventLog createInstance() {
        return EventLog.empty(0, false);
    }

    @Override
    public EventLog copy(EventLog from) {
        return from.copy();
    }

    @Override
    void writeBlock(EventLog log, DataOutputSerializer out) throws IOException {
        int n = log.size;
        out.writeByte(FORMAT);
        out.writeInt(n);
        out.writeInt(log.width());
        out.writeBoolean(log.labelled());
        out.writeLong(log.newestLsn);
        out.writeInt(log.pendingFrom);
        out.writeLong(log.pendingTimer);
        out.writeLong(log.holdUntil);
        out.writeLong(log.lastStart);
        for (int i = 0; i < n; i++) {
            out.writeLong(log.times[i]);
        }
        for (int i = 0; i < n; i++) {
            if (log.ids[i] == null && log.raw != null && log.rawAt[i] >= 0) {
                // Not decoded since it was read: its bytes as they were written.
                int at = log.rawAt[i];
                out.write(log.raw, at, 4 + intAt(log.raw, at));
            } else {
                writeText(out, log.ids[i]);
            }
        }
        for (int i = 0; i < n * log.width(); i++) {
            out.writeInt(log.ints[i]);
        }
        if (!log.labelled()) {
            return;
        }
        Map<String, Integer> codes = new HashMap<>();
        List<String> dictionary = new ArrayList<>();
        int[] indexes = new int[n];
        for (int i = 0; i < n; i++) {
            String label = log.labels[i];
            Integer code = label == null ? Integer.valueOf(-1) : codes.get(label);
            if (code == null) {
                code = dictionary.size();
                codes.put(label, code);
                dictionary.add(label);
            }
            indexes[i] = code;
        }
        out.writeInt(dictionary.size());
        for (String label : dictionary) {
            writeText(out, label);
        }
        for (int i = 0; i < n; i++) {
            out.writeInt(indexes[i]);
        }
    }

    @Override
    EventLog readBlock(DataInputDeserializer in) throws IOException {
        return readBlock(in, null);
    }

    /**
     * With {@code block}, the ids are decoded only when asked for ({@link EventLog#id}): most reads
     * of a log from RocksDB need its times and ints alone.
     */
    @Override
    EventLog readBlock(DataInputDeserializer in, byte[] block) throws IOException {
        int format = in.readByte();
        if (format != FORMAT && format != FORMAT_WITHOUT_HOLD && format != FORMAT_WITHOUT_MARKS) {
            throw new IOException("unknown EventLog state format " + format);
        }
        int n = in.readInt();
        int width = in.readInt();
        boolean labelled = in.readBoolean();
        EventLog log = new EventLog(width, labelled, n);
        log.size = n;
        if (format != FORMAT_WITHOUT_MARKS) {
            log.newestLsn = in.readLong();
            log.pendingFrom = in.readInt();
            log.pendingTimer = in.readLong();
            if (format == FORMAT) {
                log.holdUntil = in.readLong();
                log.lastStart = in.readLong();
            }
        } else {
            log.pendingFrom = EventLog.UNKNOWN;
        }
        for (int i = 0; i < n; i++) {
            log.times[i] = in.readLong();
        }
        if (block != null && n > 0) {
            log.raw = block;
            log.rawAt = new int[n];
            for (int i = 0; i < n; i++) {
                int at = in.getPosition();
                int length = in.readInt();
                log.rawAt[i] = length < 0 ? -1 : at;
                if (length > 0) {
                    in.skipBytesToRead(length);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                log.ids[i] = readText(in);
            }
        }
        for (int i = 0; i < n * width; i++) {
            log.ints[i] = in.readInt();
        }
        if (labelled) {
            String[] dictionary = new String[in.readInt()];
            for (int d = 0; d < dictionary.length; d++) {
                dictionary[d] = readText(in);
            }
            for (int i = 0; i < n; i++) {
                int code = in.readInt();
                log.labels[i] = code < 0 ? null : dictionary[code];
            }
        }
        return log;
    }

    @Override
    public TypeSerializerSnapshot<EventLog> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The format has no parameters; the layout's version is each block's first byte. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<EventLog> {
        public Snapshot() {
            super(EventLogSerializer::new);
        }
    }
}
