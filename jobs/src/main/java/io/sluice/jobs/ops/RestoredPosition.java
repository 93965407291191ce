package io.sluice.jobs.ops;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.cdc.connectors.base.source.meta.split.SourceSplitBase;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputViewStreamWrapper;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.CompressibleFSDataInputStream;
import org.apache.flink.runtime.state.OperatorBackendSerializationProxy;
import org.apache.flink.runtime.state.OperatorStateHandle;
import org.apache.flink.runtime.state.SnappyStreamCompressionDecorator;
import org.apache.flink.runtime.state.StreamCompressionDecorator;
import org.apache.flink.runtime.state.UncompressedStreamCompressionDecorator;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;
import org.apache.flink.runtime.state.filesystem.FsCompletedCheckpointStorageLocation;

/**
 * Where a checkpoint or savepoint left the Postgres source, read from its files before the job
 * runs, so that {@code ./sluice run --from} can tell a rollback the slot can still serve from one
 * it cannot.
 *
 * <p>Two positions are read from the operator state:
 *
 * <ul>
 *   <li>the source's stream split ({@code SourceReaderState}, decoded with the source's own split
 *       serializer): the WAL position Flink CDC resumes from, and the one it confirms to the slot
 *       once a checkpoint after it completes. This is exact;
 *   <li>the {@link LifecycleGuard}'s WAL insert position at the checkpoint: at or after the
 *       source's position. A state taken during the snapshot has no stream split yet; then only
 *       this bound is known, and a slot confirmed past it certainly cannot serve the state.
 * </ul>
 */
public final class RestoredPosition {
    static final String SOURCE_SPLITS_STATE = "SourceReaderState";
    static final String GUARD_STATE = "wal-insert-lsn-at-checkpoint";

    /** The source's stream position, or null when the state is from the snapshot phase. */
    private final Long streamLsn;

    /** The newest WAL insert position the guard recorded, or null (state older than the guard). */
    private final Long walAtCheckpoint;

    RestoredPosition(Long streamLsn, Long walAtCheckpoint) {
        this.streamLsn = streamLsn;
        this.walAtCheckpoint = walAtCheckpoint;
    }

    public Long streamLsn() {
        return streamLsn;
    }

    public Long walAtCheckpoint() {
        return walAtCheckpoint;
    }

    /**
     * Whether a slot confirmed up to {@code confirmedLsn} can no longer stream what this state has
     * not seen: Postgres starts a slot at its confirmed position at the earliest.
     */
    public boolean olderThan(long confirmedLsn) {
        if (streamLsn != null) {
            return confirmedLsn > streamLsn;
        }
        return walAtCheckpoint != null && confirmedLsn > walAtCheckpoint;
    }

    /** The position to name in messages. */
    public String describe() {
        return streamLsn != null
                ? "stream position " + io.sluice.common.change.Versions.lsnText(streamLsn)
                : walAtCheckpoint != null
                        ? "snapshot phase, WAL at "
                                + io.sluice.common.change.Versions.lsnText(walAtCheckpoint)
                        : "no recorded position";
    }

    /**
     * Reads the positions from a checkpoint or savepoint directory (or its {@code _metadata}).
     *
     * @param splits the source's split serializer ({@code source.getSplitSerializer()})
     */
    public static RestoredPosition read(
            String pointer, SimpleVersionedSerializer<SourceSplitBase> splits) throws IOException {
        FsCompletedCheckpointStorageLocation location =
                AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(pointer);
        CheckpointMetadata metadata;
        try (DataInputStream in =
                new DataInputStream(location.getMetadataHandle().openInputStream())) {
            metadata =
                    Checkpoints.loadCheckpointMetadata(
                            in,
                            RestoredPosition.class.getClassLoader(),
                            location.getExternalPointer());
        }
        Long stream = null;
        Long wal = null;
        for (OperatorState operator : metadata.getOperatorStates()) {
            for (OperatorSubtaskState subtask : operator.getStates()) {
                for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
                    for (byte[] split : elements(handle, SOURCE_SPLITS_STATE, true)) {
                        SourceSplitBase s =
                                SimpleVersionedSerialization.readVersionAndDeSerialize(
                                        splits, split);
                        if (s.isStreamSplit()) {
                            long lsn =
                                    ((PostgresOffset) s.asStreamSplit().getStartingOffset())
                                            .getLsn()
                                            .asLong();
                            stream = stream == null ? lsn : Math.min(stream, lsn);
                        }
                    }
                    for (byte[] w : elements(handle, GUARD_STATE, false)) {
                        long lsn = java.nio.ByteBuffer.wrap(w).getLong();
                        wal = wal == null ? lsn : Math.max(wal, lsn);
                    }
                }
            }
        }
        return new RestoredPosition(stream, wal);
    }

    /**
     * The elements of one list state in an operator state handle: byte arrays ({@code
     * BytePrimitiveArraySerializer}: a length, then the bytes) or longs (8 bytes, returned as
     * such).
     */
    private static List<byte[]> elements(OperatorStateHandle handle, String name, boolean bytes)
            throws IOException {
        Map<String, OperatorStateHandle.StateMetaInfo> states =
                handle.getStateNameToPartitionOffsets();
        OperatorStateHandle.StateMetaInfo info = states.get(name);
        List<byte[]> out = new ArrayList<>();
        if (info == null || info.getOffsets().length == 0) {
            return out;
        }
        try (FSDataInputStream raw = handle.openInputStream()) {
            // The handle's stream starts with the backend's header, which says whether the
            // values are Snappy-compressed (execution.checkpointing.snapshot-compression); the
            // offsets are positions in the raw stream, where each value's compressed block starts.
            OperatorBackendSerializationProxy header =
                    new OperatorBackendSerializationProxy(RestoredPosition.class.getClassLoader());
            header.read(new DataInputViewStreamWrapper(raw));
            StreamCompressionDecorator decorator =
                    compressed(header)
                            ? SnappyStreamCompressionDecorator.INSTANCE
                            : UncompressedStreamCompressionDecorator.INSTANCE;
            try (CompressibleFSDataInputStream in =
                    new CompressibleFSDataInputStream(raw, decorator)) {
                DataInputViewStreamWrapper view = new DataInputViewStreamWrapper(in);
                for (long offset : info.getOffsets()) {
                    in.seek(offset);
                    byte[] element = new byte[bytes ? view.readInt() : Long.BYTES];
                    view.readFully(element);
                    out.add(element);
                }
            }
        }
        return out;
    }

    /**
     * Whether an operator state snapshot was written compressed. Flink's restore reads the same
     * flag; its accessor is package-private, so it is read by reflection here.
     */
    static boolean compressed(OperatorBackendSerializationProxy header) throws IOException {
        try {
            var flag =
                    OperatorBackendSerializationProxy.class.getDeclaredMethod(
                            "isUsingStateCompression");
            flag.setAccessible(true);
            return (boolean) flag.invoke(header);
        } catch (ReflectiveOperationException e) {
            throw new IOException(
                    "cannot tell whether the operator state is compressed (Flink version?)", e);
        }
    }
}
