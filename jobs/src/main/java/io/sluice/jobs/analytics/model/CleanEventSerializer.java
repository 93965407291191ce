package io.sluice.jobs.analytics.model;

import io.sluice.jobs.analytics.CleanEvent;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The dedupe state's serializer for {@link CleanEvent}: one block per value ({@link
 * BlockSerializer}). With one value per event for the dedupe TTL, the POJO serializer's call per
 * character was most of what a heap-backend checkpoint cost.
 *
 * <p>State written by the POJO serializer (builds before this one) restores: its snapshot resolves
 * as compatible after migration, so Flink reads it with the POJO serializer and writes it with this
 * one from then on. Between operators, {@link CleanEvent} stays a POJO (inside {@link EventDelta}).
 */
@Internal
public final class CleanEventSerializer extends BlockSerializer<CleanEvent> {
    private static final long serialVersionUID = 1L;

    /** A field added to {@link CleanEvent} needs a new format that still reads this one. */
    private static final byte FORMAT = 1;

    @Override
    public TypeSerializer<CleanEvent> duplicate() {
        return new CleanEventSerializer();
    }

    @Override
    public CleanEvent createInstance() {
        return new CleanEvent();
    }

    @Override
    public CleanEvent copy(CleanEvent from) {
        return copyOf(from);
    }

    /** A copy that shares the strings (immutable) and not the promoted values' array. */
    static CleanEvent copyOf(CleanEvent from) {
        if (from == null) {
            return null;
        }
        CleanEvent c = new CleanEvent();
        c.eventId = from.eventId;
        c.userId = from.userId;
        c.occurredAtUs = from.occurredAtUs;
        c.eventName = from.eventName;
        c.propertiesJson = from.propertiesJson;
        c.promoted = from.promoted == null ? null : from.promoted.clone();
        c.counted = from.counted;
        return c;
    }

    @Override
    void writeBlock(CleanEvent e, DataOutputSerializer out) throws IOException {
        out.writeByte(FORMAT);
        writeFields(e, out);
    }

    @Override
    CleanEvent readBlock(DataInputDeserializer in) throws IOException {
        readFormat(in, FORMAT, "CleanEvent");
        return readFields(in);
    }

    /** The fields of format {@value #FORMAT}; {@link EventDeltaSerializer} writes them too. */
    static void writeFields(CleanEvent e, DataOutputView out) throws IOException {
        writeText(out, e.eventId);
        writeText(out, e.userId);
        out.writeLong(e.occurredAtUs);
        writeText(out, e.eventName);
        writeText(out, e.propertiesJson);
        if (e.promoted == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(e.promoted.length);
            for (String p : e.promoted) {
                writeText(out, p);
            }
        }
        out.writeBoolean(e.counted);
    }

    static CleanEvent readFields(DataInputView in) throws IOException {
        CleanEvent e = new CleanEvent();
        e.eventId = readText(in);
        e.userId = readText(in);
        e.occurredAtUs = in.readLong();
        e.eventName = readText(in);
        e.propertiesJson = readText(in);
        int promoted = in.readInt();
        if (promoted >= 0) {
            e.promoted = new String[promoted];
            for (int i = 0; i < promoted; i++) {
                e.promoted[i] = readText(in);
            }
        }
        e.counted = in.readBoolean();
        return e;
    }

    @Override
    public TypeSerializerSnapshot<CleanEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /**
     * Compatible as is with itself, and after migration with the POJO serializer that wrote the
     * dedupe state before.
     */
    public static final class Snapshot implements TypeSerializerSnapshot<CleanEvent> {
        private static final int VERSION = 1;

        @Override
        public int getCurrentVersion() {
            return VERSION;
        }

        @Override
        public void writeSnapshot(DataOutputView out) {}

        @Override
        public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
                throws IOException {
            if (readVersion != VERSION) {
                throw new IOException("unknown CleanEventSerializer snapshot " + readVersion);
            }
        }

        @Override
        public TypeSerializer<CleanEvent> restoreSerializer() {
            return new CleanEventSerializer();
        }

        @Override
        public TypeSerializerSchemaCompatibility<CleanEvent> resolveSchemaCompatibility(
                TypeSerializerSnapshot<CleanEvent> oldSnapshot) {
            if (oldSnapshot instanceof Snapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            if (oldSnapshot instanceof PojoSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
