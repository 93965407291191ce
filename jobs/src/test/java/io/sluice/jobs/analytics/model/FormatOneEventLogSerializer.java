package io.sluice.jobs.analytics.model;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Writes an {@link EventLog} as builds before the pending-derivation marks did (format 1, labels
 * without a dictionary are not needed here: every label is written through one), under {@link
 * EventLogSerializer}'s snapshot, so a checkpoint taken with it restores as one of such a build.
 */
public final class FormatOneEventLogSerializer extends BlockSerializer<EventLog> {
    private static final long serialVersionUID = 1L;

    @Override
    public TypeSerializer<EventLog> duplicate() {
        return new FormatOneEventLogSerializer();
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
        // The current format without its marks (a long, an int and three longs) is format 1.
        DataOutputSerializer two = new DataOutputSerializer(64);
        new EventLogSerializer().writeBlock(log, two);
        byte[] b = two.getCopyOfBuffer();
        out.writeByte(1);
        int header = 1 + 4 + 4 + 1;
        out.write(b, 1, header - 1);
        int marks = 8 + 4 + 8 + 8 + 8;
        out.write(b, header + marks, b.length - header - marks);
    }

    @Override
    EventLog readBlock(DataInputDeserializer in) throws IOException {
        return new EventLogSerializer().readBlock(in);
    }

    @Override
    public TypeSerializerSnapshot<EventLog> snapshotConfiguration() {
        return new EventLogSerializer.Snapshot();
    }
}
