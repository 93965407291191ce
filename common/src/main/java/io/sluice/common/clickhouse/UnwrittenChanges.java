package io.sluice.common.clickhouse;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecordSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The mirror sink writer's checkpoint state: the changes it had taken but ClickHouse had not yet
 * acknowledged, in the order they arrived. A restored writer writes them before anything else.
 */
@Internal
public record UnwrittenChanges(List<ChangeRecord> records) {
    public UnwrittenChanges {
        records = List.copyOf(records);
    }

    /** Version 1: a count, then each change in {@link ChangeRecordSerializer}'s format. */
    public static final class Serializer implements SimpleVersionedSerializer<UnwrittenChanges> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(UnwrittenChanges state) throws IOException {
            DataOutputSerializer out = new DataOutputSerializer(256);
            out.writeInt(state.records().size());
            for (ChangeRecord r : state.records()) {
                ChangeRecordSerializer.INSTANCE.serialize(r, out);
            }
            return out.getCopyOfBuffer();
        }

        @Override
        public UnwrittenChanges deserialize(int version, byte[] bytes) throws IOException {
            if (version != 1) {
                throw new IOException("unknown version " + version + " of the sink writer state");
            }
            DataInputDeserializer in = new DataInputDeserializer(bytes);
            int n = in.readInt();
            List<ChangeRecord> records = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                records.add(ChangeRecordSerializer.INSTANCE.deserialize(in));
            }
            return new UnwrittenChanges(records);
        }
    }
}
