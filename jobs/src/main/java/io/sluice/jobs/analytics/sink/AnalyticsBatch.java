package io.sluice.jobs.analytics.sink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The committable of the analytics sink: one table's rows of one checkpoint, encoded as
 * TabSeparated for ClickHouse. It is stored in the checkpoint and inserted once the checkpoint
 * completes, so ClickHouse only ever sees results of checkpointed state.
 */
@Internal
public record AnalyticsBatch(String table, List<String> columns, int rows, byte[] tsv) {

    /** Serializer of the committables in checkpoints. */
    public static final class Serializer implements SimpleVersionedSerializer<AnalyticsBatch> {
        /** The format written; a checkpoint holding another cannot be read by this build. */
        static final int VERSION = 1;

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(AnalyticsBatch batch) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.tsv.length + 256);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeUTF(batch.table);
            out.writeInt(batch.columns.size());
            for (String c : batch.columns) {
                out.writeUTF(c);
            }
            out.writeInt(batch.rows);
            out.writeInt(batch.tsv.length);
            out.write(batch.tsv);
            out.flush();
            return bytes.toByteArray();
        }

        @Override
        public AnalyticsBatch deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException(
                        "unknown analytics batch version "
                                + version
                                + " in the checkpoint (this build reads version "
                                + VERSION
                                + "): restore it with the Sluice release that wrote it");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            String table = in.readUTF();
            int n = in.readInt();
            List<String> columns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                columns.add(in.readUTF());
            }
            int rows = in.readInt();
            byte[] tsv = new byte[in.readInt()];
            in.readFully(tsv);
            return new AnalyticsBatch(table, columns, rows, tsv);
        }
    }
}
