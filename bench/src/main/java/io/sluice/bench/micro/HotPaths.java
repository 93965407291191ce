package io.sluice.bench.micro;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.change.ChangeRecordSerializer;
import io.sluice.common.clickhouse.ColumnEncoder;
import io.sluice.common.config.TableId;
import io.sluice.jobs.analytics.model.EventSchema;
import io.sluice.jobs.analytics.model.PromotedProperty;
import io.sluice.jobs.analytics.operators.EventParser;
import io.sluice.jobs.archive.ChangeArchive;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Microbenchmarks of the per-row hot paths (`./sluice bench micro`): turning an events row into a
 * clean event (row decoding and validation), Flink's (de)serialization of a change between
 * operators, the ClickHouse TabSeparated row encoder, and the archive's Parquet record. Operations
 * per microsecond; one fork, short iterations (a trend, not a contract).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class HotPaths {
    private ChangeRecord event;
    private EventParser parser;
    private List<ColumnEncoder> encoders;
    private Object[] row;
    private final DataOutputSerializer out = new DataOutputSerializer(512);
    private final ByteArrayOutputStream tsv = new ByteArrayOutputStream(1 << 16);

    @Setup
    public void setup() {
        TableId table = TableId.parse("public.events");
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("event_id", "7f8c1e2a-4b5d-4c3e-9f10-1a2b3c4d5e6f");
        v.put("user_id", 42L);
        v.put("occurred_at", Instant.parse("2026-11-20T10:15:30.123456Z"));
        v.put("event_name", "page_view");
        v.put("properties", "{\"plan\": \"pro\", \"path\": \"/pricing\", \"duration_ms\": 1234}");
        event = new ChangeRecord(table, ChangeRecord.Op.INSERT, v, Set.of(), 123_456_789L);
        parser =
                new EventParser(
                        new EventSchema(
                                table,
                                "event_id",
                                "user_id",
                                "occurred_at",
                                "event_name",
                                "properties",
                                PromotedProperty.parse(
                                        List.of(
                                                "plan:String",
                                                "path:String",
                                                "duration_ms:Int64"))),
                        600_000L);
        encoders =
                List.of(
                        ColumnEncoder.forType("String"),
                        ColumnEncoder.forType("Int64"),
                        ColumnEncoder.forType("DateTime64(6, 'UTC')"),
                        ColumnEncoder.forType("LowCardinality(String)"),
                        ColumnEncoder.forType("Nullable(String)"),
                        ColumnEncoder.forType("UInt64"));
        row =
                new Object[] {
                    v.get("event_id"),
                    42L,
                    v.get("occurred_at"),
                    "page_view",
                    v.get("properties"),
                    123_456_789L
                };
    }

    @Benchmark
    public Object parseEvent() {
        return parser.parse(event, null, 1_800_000_000_000L);
    }

    @Benchmark
    public Object serializeChangeRoundTrip() throws IOException {
        out.clear();
        ChangeRecordSerializer.INSTANCE.serialize(event, out);
        return ChangeRecordSerializer.INSTANCE.deserialize(
                new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
    }

    @Benchmark
    public int encodeClickHouseRow() {
        if (tsv.size() > 60_000) {
            tsv.reset();
        }
        for (int i = 0; i < row.length; i++) {
            if (i > 0) {
                tsv.write('\t');
            }
            encoders.get(i).write(row[i], tsv);
        }
        tsv.write('\n');
        return tsv.size();
    }

    @Benchmark
    public Object archiveRecord() {
        return ChangeArchive.encode(event);
    }
}
