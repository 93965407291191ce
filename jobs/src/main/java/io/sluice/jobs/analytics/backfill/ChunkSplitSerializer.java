package io.sluice.jobs.analytics.backfill;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/** A {@link ChunkSplit} in checkpoints (the readers' state, and the enumerator's). */
public final class ChunkSplitSerializer implements SimpleVersionedSerializer<ChunkSplit> {
    public static final ChunkSplitSerializer INSTANCE = new ChunkSplitSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(ChunkSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public ChunkSplit deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "unknown chunk split version "
                            + version
                            + " (this build reads "
                            + VERSION
                            + ")");
        }
        return read(new DataInputDeserializer(bytes));
    }

    static void write(ChunkSplit split, DataOutputView out) throws IOException {
        out.writeLong(split.chunk);
        out.writeLong(split.startMs);
        out.writeLong(split.endMs);
        out.writeBoolean(split.resumes());
        if (split.resumes()) {
            out.writeUTF(split.afterOccurredAt);
            out.writeUTF(split.afterEventId);
        }
    }

    static ChunkSplit read(DataInputView in) throws IOException {
        long chunk = in.readLong();
        long start = in.readLong();
        long end = in.readLong();
        return in.readBoolean()
                ? new ChunkSplit(chunk, start, end, in.readUTF(), in.readUTF())
                : new ChunkSplit(chunk, start, end);
    }
}
