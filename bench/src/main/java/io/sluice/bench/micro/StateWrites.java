package io.sluice.bench.micro;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.SessionEvent;
import io.sluice.jobs.analytics.model.CleanEventSerializer;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import io.sluice.jobs.analytics.model.StringKey;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataOutputViewStreamWrapper;
import org.apache.flink.runtime.state.SnappyStreamCompressionDecorator;
import org.apache.flink.runtime.util.NonClosingOutputStreamDecorator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a heap-backend checkpoint pays per state entry, written as the snapshot writes it (through
 * Flink's Snappy stream, checkpoint compression being on): the dedupe state's entry (event-id key
 * and clean event) with Flink's string and POJO serializers as before, and with {@link StringKey}
 * and {@link CleanEventSerializer} now; and a user's 100 session events as the map state of before
 * and as one {@link EventLog} now. Operations per microsecond.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class StateWrites {
    private final String key = UUID.randomUUID().toString();
    private CleanEvent event;
    private TypeSerializer<CleanEvent> pojo;
    private final CleanEventSerializer block = new CleanEventSerializer();
    private final TypeSerializer<String> stringKey =
            StringKey.TYPE.createSerializer(new SerializerConfigImpl());
    private Map<String, SessionEvent> sessionMap;
    private MapSerializer<String, SessionEvent> mapSerializer;
    private EventLog log;
    private final EventLogSerializer logSerializer = new EventLogSerializer();
    private OutputStream compressed;
    private DataOutputViewStreamWrapper out;

    @Setup(Level.Iteration)
    public void setup() throws IOException {
        event = new CleanEvent();
        event.eventId = key;
        event.userId = "4242";
        event.occurredAtUs = 1_795_000_000_000_000L;
        event.eventName = "page_view";
        event.propertiesJson = "{\"path\":\"/pricing\",\"duration_ms\":1234}";
        event.promoted = new String[] {"pro", null};
        event.counted = true;
        pojo = TypeInformation.of(CleanEvent.class).createSerializer(new SerializerConfigImpl());
        sessionMap = new HashMap<>();
        log = EventLog.empty(0, true);
        for (int i = 0; i < 100; i++) {
            long t = 1_795_000_000_000_000L + i * 60_000_000L;
            String id = UUID.randomUUID().toString();
            String name = i % 3 == 0 ? "page_view" : "click";
            sessionMap.put(eventKey(t, id), new SessionEvent(t, name));
            log.put(t, id, null, name);
        }
        mapSerializer =
                new MapSerializer<>(
                        StringSerializer.INSTANCE,
                        TypeInformation.of(SessionEvent.class)
                                .createSerializer(new SerializerConfigImpl()));
        compressed =
                SnappyStreamCompressionDecorator.INSTANCE.decorateWithCompression(
                        new NonClosingOutputStreamDecorator(OutputStream.nullOutputStream()) {});
        out = new DataOutputViewStreamWrapper(compressed);
    }

    @TearDown(Level.Iteration)
    public void close() throws IOException {
        compressed.close();
    }

    private static String eventKey(long micros, String id) {
        String unsigned = Long.toUnsignedString(micros ^ Long.MIN_VALUE);
        return "0".repeat(20 - unsigned.length()) + unsigned + "|" + id;
    }

    @Benchmark
    public void dedupeEntryBefore() throws IOException {
        StringSerializer.INSTANCE.serialize(key, out);
        pojo.serialize(event, out);
    }

    @Benchmark
    public void dedupeEntryNow() throws IOException {
        stringKey.serialize(key, out);
        block.serialize(event, out);
    }

    @Benchmark
    public void userSessionEventsBefore() throws IOException {
        mapSerializer.serialize(sessionMap, out);
    }

    @Benchmark
    public void userSessionEventsNow() throws IOException {
        logSerializer.serialize(log, out);
    }

    /** A user's session events copied as a write during a running snapshot copies them. */
    @Benchmark
    public Object userSessionEventsCopyBefore() {
        return mapSerializer.copy(sessionMap);
    }

    @Benchmark
    public Object userSessionEventsCopyNow() {
        return logSerializer.copy(log);
    }
}
