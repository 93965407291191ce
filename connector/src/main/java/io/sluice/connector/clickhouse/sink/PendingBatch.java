package io.sluice.connector.clickhouse.sink;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * One INSERT's rows, already encoded as TabSeparated text with their versions: what the writer
 * hands to its sender, and, while ClickHouse has not taken it, the writer's checkpoint state. A
 * restored writer sends it again byte for byte, at the versions of the run that made it: those are
 * below everything the restored run writes, so a row replayed by the restored run wins over it
 * (also when a rescale restores the batch on another subtask than the one its keys go to now).
 */
public final class PendingBatch {
    private final List<String> columns;
    private final int rows;
    private final byte[] tsv;

    public PendingBatch(List<String> columns, int rows, byte[] tsv) {
        this.columns = List.copyOf(columns);
        this.rows = rows;
        this.tsv = tsv;
    }

    /** The insert's column names, in the order of the fields. */
    public List<String> columns() {
        return columns;
    }

    public int rows() {
        return rows;
    }

    public byte[] tsv() {
        return tsv;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PendingBatch b
                && b.rows == rows
                && b.columns.equals(columns)
                && Arrays.equals(b.tsv, tsv);
    }

    @Override
    public int hashCode() {
        return Objects.hash(columns, rows) * 31 + Arrays.hashCode(tsv);
    }

    @Override
    public String toString() {
        return "PendingBatch(" + rows + " rows, " + tsv.length + " bytes)"; // never the values
    }

    /** Version 1: column count, names (UTF), row count, byte count, bytes. */
    public static final class Serializer implements SimpleVersionedSerializer<PendingBatch> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(PendingBatch batch) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(batch.tsv.length + 256);
            DataOutputStream out = new DataOutputStream(bytes);
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
        public PendingBatch deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException(
                        "unknown state version " + version + " of the ClickHouse SQL sink's batch");
            }
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized));
            int n = in.readInt();
            List<String> columns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                columns.add(in.readUTF());
            }
            int rows = in.readInt();
            byte[] tsv = new byte[in.readInt()];
            in.readFully(tsv);
            return new PendingBatch(columns, rows, tsv);
        }
    }
}
