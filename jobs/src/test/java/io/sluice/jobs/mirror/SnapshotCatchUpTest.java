package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.cdc.connectors.base.source.meta.split.FinishedSnapshotSplitInfo;
import org.apache.flink.cdc.connectors.base.source.meta.split.StreamSplit;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffset;
import org.apache.flink.cdc.connectors.postgres.source.offset.PostgresOffsetFactory;
import org.apache.flink.util.Collector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/**
 * The snapshot's catch-up, as the source's deserializer flags it: a streamed change before the
 * position of its table's last snapshot chunk may already be in the snapshot; one at or after it, a
 * snapshot row, or a change of a table without chunks is not.
 */
class SnapshotCatchUpTest {
    private static final io.debezium.relational.TableId EVENTS =
            new io.debezium.relational.TableId("db", "public", "events");
    private static final io.debezium.relational.TableId USERS =
            new io.debezium.relational.TableId("db", "public", "users");

    private static FinishedSnapshotSplitInfo chunk(
            io.debezium.relational.TableId table, int n, long lsn) {
        return new FinishedSnapshotSplitInfo(
                table,
                table + ":" + n,
                n == 0 ? null : new Object[] {n * 100L},
                new Object[] {(n + 1) * 100L},
                offset(lsn),
                new PostgresOffsetFactory());
    }

    private static PostgresOffset offset(long lsn) {
        return PostgresOffset.of(Map.of("lsn", Long.toString(lsn)));
    }

    private static StreamSplit streamSplit(List<FinishedSnapshotSplitInfo> chunks) {
        return new StreamSplit(
                "stream-split",
                offset(1_000L),
                PostgresOffset.NO_STOPPING_OFFSET,
                chunks,
                new HashMap<>(),
                chunks.size());
    }

    @Test
    void aChangeBeforeTheLastChunkOfItsTableIsInTheCatchUp() {
        SnapshotCatchUp catchUp = new SnapshotCatchUp();
        assertThat(catchUp.covers(new TableId("public", "events"), 1_500L))
                .as("before the stream")
                .isFalse();
        // Chunks noted out of order, as parallel readers report them.
        catchUp.streamSplitStarted(
                streamSplit(
                        List.of(
                                chunk(EVENTS, 1, 3_000L),
                                chunk(EVENTS, 0, 1_000L),
                                chunk(USERS, 0, 1_200L))));

        assertThat(catchUp.covers(new TableId("public", "events"), 1_000L)).isTrue();
        assertThat(catchUp.covers(new TableId("public", "events"), 2_999L)).isTrue();
        assertThat(catchUp.covers(new TableId("public", "events"), 3_000L)).isFalse();
        assertThat(catchUp.covers(new TableId("public", "users"), 1_199L)).isTrue();
        assertThat(catchUp.covers(new TableId("public", "users"), 1_500L)).isFalse();
        assertThat(catchUp.covers(new TableId("public", "orders"), 10L)).as("no chunks").isFalse();
    }

    @Test
    void theDeserializerFlagsStreamedChangesInTheCatchUpOnly() {
        SnapshotCatchUp catchUp = new SnapshotCatchUp();
        catchUp.streamSplitStarted(streamSplit(List.of(chunk(EVENTS, 0, 5_000L))));
        ChangeRecordDeserializer deserializer =
                new ChangeRecordDeserializer(900L, 1L, Map.of(), catchUp);

        assertThat(deserialize(deserializer, "d", 4_999L).snapshotCatchUp()).isTrue();
        assertThat(deserialize(deserializer, "u", 4_000L).snapshotCatchUp()).isTrue();
        assertThat(deserialize(deserializer, "d", 5_000L).snapshotCatchUp()).isFalse();
        ChangeRecord snapshotRow = deserialize(deserializer, "r", 4_000L);
        assertThat(snapshotRow.op()).isEqualTo(ChangeRecord.Op.SNAPSHOT);
        assertThat(snapshotRow.snapshotCatchUp()).isFalse();
        assertThat(snapshotRow.lsn()).as("versioned at the anchor").isEqualTo(900L);

        ChangeRecordDeserializer withoutCatchUp = new ChangeRecordDeserializer(900L, 1L);
        assertThat(deserialize(withoutCatchUp, "d", 10L).snapshotCatchUp()).isFalse();
    }

    private static Schema image() {
        return SchemaBuilder.struct().field("event_id", Schema.STRING_SCHEMA).optional().build();
    }

    private static ChangeRecord deserialize(
            ChangeRecordDeserializer deserializer, String op, long lsn) {
        Schema source =
                SchemaBuilder.struct()
                        .field("schema", Schema.STRING_SCHEMA)
                        .field("table", Schema.STRING_SCHEMA)
                        .field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
                        .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA)
                        .build();
        Schema envelope =
                SchemaBuilder.struct()
                        .field("op", Schema.STRING_SCHEMA)
                        .field("before", image())
                        .field("after", image())
                        .field("source", source)
                        .build();
        Struct image = new Struct(envelope.field("after").schema()).put("event_id", "e1");
        Struct value =
                new Struct(envelope)
                        .put("op", op)
                        .put(
                                "source",
                                new Struct(source)
                                        .put("schema", "public")
                                        .put("table", "events")
                                        .put("lsn", lsn)
                                        .put("ts_ms", 1_700_000_000_000L));
        if ("d".equals(op)) {
            value.put("before", image);
        } else {
            value.put("after", image);
        }
        List<ChangeRecord> out = new ArrayList<>();
        deserializer.deserialize(
                new SourceRecord(Map.of(), Map.of(), "t", null, null, envelope, value),
                new Collector<>() {
                    @Override
                    public void collect(ChangeRecord record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out).hasSize(1);
        return out.get(0);
    }
}
