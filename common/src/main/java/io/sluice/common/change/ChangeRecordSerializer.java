package io.sluice.common.change;

import io.sluice.common.config.TableId;
import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** Flink serializer of {@link ChangeRecord}s, so they never fall back to Kryo. */
@Internal
public final class ChangeRecordSerializer extends TypeSerializerSingleton<ChangeRecord> {
    private static final long serialVersionUID = 1L;

    public static final ChangeRecordSerializer INSTANCE = new ChangeRecordSerializer();

    private static final ChangeRecord.Op[] OPS = ChangeRecord.Op.values();

    /**
     * Set in the operation byte when a commit time follows the LSN. Records written before commit
     * times existed (in unaligned checkpoints' in-flight data) have it clear and read as 0.
     */
    private static final int HAS_COMMIT_TIME = 0x80;

    /**
     * Set in the operation byte for a change streamed in the snapshot's catch-up ({@link
     * ChangeRecord#snapshotCatchUp}). Records written before the flag existed read as outside it.
     */
    private static final int SNAPSHOT_CATCH_UP = 0x40;

    private static final int FLAGS = HAS_COMMIT_TIME | SNAPSHOT_CATCH_UP;

    @Override
    public boolean isImmutableType() {
        return true;
    }

    @Override
    public ChangeRecord createInstance() {
        return null;
    }

    @Override
    public ChangeRecord copy(ChangeRecord from) {
        // Immutable apart from byte[] values, which no operator modifies.
        return from;
    }

    @Override
    public ChangeRecord copy(ChangeRecord from, ChangeRecord reuse) {
        return from;
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(ChangeRecord r, DataOutputView out) throws IOException {
        out.writeUTF(r.table().schema());
        out.writeUTF(r.table().table());
        out.writeByte(
                r.op().ordinal() | HAS_COMMIT_TIME | (r.snapshotCatchUp() ? SNAPSHOT_CATCH_UP : 0));
        out.writeLong(r.lsn());
        out.writeLong(r.commitMs());
        out.writeInt(r.values().size());
        for (Map.Entry<String, Object> e : r.values().entrySet()) {
            out.writeUTF(e.getKey());
            ValueCodec.write(e.getValue(), out);
        }
        out.writeInt(r.unchangedColumns().size());
        for (String c : r.unchangedColumns()) {
            out.writeUTF(c);
        }
    }

    @Override
    public ChangeRecord deserialize(DataInputView in) throws IOException {
        TableId table = new TableId(in.readUTF(), in.readUTF());
        int opByte = in.readByte() & 0xFF;
        ChangeRecord.Op op = OPS[opByte & ~FLAGS];
        long lsn = in.readLong();
        long commitMs = (opByte & HAS_COMMIT_TIME) != 0 ? in.readLong() : 0L;
        int n = in.readInt();
        Map<String, Object> values = new LinkedHashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            values.put(in.readUTF(), ValueCodec.read(in));
        }
        int u = in.readInt();
        Set<String> unchanged = new HashSet<>(u * 2);
        for (int i = 0; i < u; i++) {
            unchanged.add(in.readUTF());
        }
        return new ChangeRecord(
                table, op, values, unchanged, lsn, commitMs, (opByte & SNAPSHOT_CATCH_UP) != 0);
    }

    @Override
    public ChangeRecord deserialize(ChangeRecord reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<ChangeRecord> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Serializer snapshot; the format is versioned by this class. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ChangeRecord> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
