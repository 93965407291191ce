package io.sluice.common.clickhouse;

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
 * Rows for one ClickHouse table, encoded as TabSeparated in the order of {@code columns}: the unit
 * both sinks hand to the {@link AsyncInserter} and keep in checkpoints (the sinks' writer state,
 * and the analytics sink's committables). Inserting a batch twice is harmless: every row carries
 * its version, and the tables are ReplacingMergeTree.
 */
public record ClickHouseBatch(String table, List<String> columns, int rows, byte[] tsv) {

    public ClickHouseBatch {
        Objects.requireNonNull(table, "table");
        columns = List.copyOf(Objects.requireNonNull(columns, "columns"));
        Objects.requireNonNull(tsv, "tsv");
    }

    /** What the batch weighs in the inserter's queue. */
    public long bytes() {
        return tsv.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClickHouseBatch b
                && rows == b.rows
                && table.equals(b.table)
                && columns.equals(b.columns)
                && Arrays.equals(tsv, b.tsv);
    }

    @Override
    public int hashCode() {
        return Objects.hash(table, columns, rows, Arrays.hashCode(tsv));
    }

    @Override
    public String toString() {
        return "ClickHouseBatch{" + table + ", " + rows + " rows, " + tsv.length + " bytes}";
    }

    /**
     * Serializer of batches in checkpoints. Version 1 is the format the analytics committables had
     * as {@code AnalyticsBatch}, so checkpoints taken before the move restore unchanged.
     */
    public static final class Serializer implements SimpleVersionedSerializer<ClickHouseBatch> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(ClickHouseBatch batch) throws IOException {
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
        public ClickHouseBatch deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException(
                        "unknown ClickHouse batch version "
                                + version
                                + " (this build reads version 1): was the checkpoint taken by a"
                                + " newer Sluice?");
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
            return new ClickHouseBatch(table, columns, rows, tsv);
        }
    }
}
