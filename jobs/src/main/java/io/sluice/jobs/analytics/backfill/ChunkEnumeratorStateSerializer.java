package io.sluice.jobs.analytics.backfill;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** A {@link ChunkEnumeratorState} in checkpoints: the pending chunks, in order. */
public final class ChunkEnumeratorStateSerializer
        implements SimpleVersionedSerializer<ChunkEnumeratorState> {
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(ChunkEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(16 + 32 * state.pending().size());
        out.writeInt(state.pending().size());
        for (ChunkSplit split : state.pending()) {
            ChunkSplitSerializer.write(split, out);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public ChunkEnumeratorState deserialize(int version, byte[] bytes) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "unknown chunk enumerator state version "
                            + version
                            + " (this build reads "
                            + VERSION
                            + ")");
        }
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        int n = in.readInt();
        List<ChunkSplit> pending = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pending.add(ChunkSplitSerializer.read(in));
        }
        return new ChunkEnumeratorState(pending);
    }
}
