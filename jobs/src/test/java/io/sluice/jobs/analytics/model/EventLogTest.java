package io.sluice.jobs.analytics.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The compact event log against a sorted map keyed as the operators keyed their map state before it
 * ({@code Sessionizer.eventKey}: fixed-width micros, then the id), over random puts, removes and
 * prefix drops; and its serializer through Flink's serializer test base.
 */
class EventLogTest extends SerializerTestBase<EventLog> {
    @Test
    void keepsTheOrderAndContentOfASortedMap() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            EventLog log = EventLog.empty(2, true);
            TreeMap<String, Object[]> oracle = new TreeMap<>();
            for (int step = 0; step < 60; step++) {
                long time = random.nextInt(20) - 5; // negative times too, and many ties
                String id = "e" + random.nextInt(15);
                String key = eventKey(time, id);
                int op = random.nextInt(10);
                if (op < 6) {
                    int[] ints = {random.nextInt(8), random.nextInt(8)};
                    String label = random.nextBoolean() ? "view" : "click";
                    log.put(time, id, ints, label);
                    oracle.put(key, new Object[] {time, id, ints, label});
                } else if (op < 9) {
                    assertThat(log.remove(time, id)).isEqualTo(oracle.remove(key) != null);
                } else {
                    long before = random.nextInt(20) - 5;
                    log.dropFirst(log.firstAtOrAfter(before));
                    oracle.headMap(eventKey(before, ""), true).clear();
                    oracle.entrySet().removeIf(e -> (long) e.getValue()[0] < before);
                }
                assertSame(log, oracle);
                if (step % 10 == 0) {
                    // Read back, a log's ids are decoded only when asked for: written again
                    // before any is, copied, and changed on from there.
                    EventLog read = roundTrip(log);
                    assertSame(roundTrip(read), oracle);
                    assertSame(read.copy(), oracle);
                    assertSame(log.copy(), oracle);
                    log = step % 20 == 0 ? read : roundTrip(read);
                }
            }
        }
    }

    @Test
    void saysWhetherAnEventComesAfterAllOthers() {
        EventLog log = EventLog.empty(0, false);
        assertThat(log.isAfterLast(5, "b")).isTrue();
        log.put(5, "b", null, null);
        assertThat(log.isAfterLast(5, "b")).isFalse();
        assertThat(log.isAfterLast(5, "a")).isFalse();
        assertThat(log.isAfterLast(5, "c")).isTrue();
        assertThat(log.isAfterLast(4, "z")).isFalse();
        assertThat(log.isAfterLast(6, "a")).isTrue();
    }

    /**
     * The pending-derivation marks: the newest LSN only grows, and an index of pending appended
     * events follows the events when a prefix is dropped.
     */
    @Test
    void keepsItsMarksThroughDropsAndCopies() throws Exception {
        EventLog log = EventLog.empty(0, true);
        for (int i = 0; i < 5; i++) {
            log.put(i, "e" + i, null, "view");
        }
        log.noteLsn(70);
        log.noteLsn(50);
        assertThat(log.newestLsn()).isEqualTo(70);
        log.pendingFrom(3);
        log.dropFirst(2);
        assertThat(log.pendingFrom()).isEqualTo(1);
        assertThat(log.time(log.pendingFrom())).isEqualTo(3);
        log.dropFirst(2);
        assertThat(log.pendingFrom()).isZero();
        log.pendingFrom(EventLog.ALL);
        log.dropFirst(1);
        assertThat(log.pendingFrom()).isEqualTo(EventLog.ALL);
        assertThat(roundTrip(log)).isEqualTo(log).isEqualTo(log.copy());
        assertThat(log.copy().newestLsn()).isEqualTo(70);
    }

    /** A log of a build before the marks reads with its events, and marks it cannot know. */
    @Test
    void readsALogWrittenBeforeTheMarks() throws Exception {
        EventLog log = EventLog.empty(1, true);
        log.put(5, "a", new int[] {3}, "click");
        log.put(4, "b", new int[] {1}, null);
        log.noteLsn(99);
        log.pendingFrom(1);
        log.pendingTimer(7_000);
        DataOutputSerializer out = new DataOutputSerializer(64);
        new FormatOneEventLogSerializer().serialize(log, out);
        EventLog read =
                new EventLogSerializer()
                        .deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(read.pendingFrom()).isEqualTo(EventLog.UNKNOWN);
        assertThat(read.newestLsn()).isZero();
        assertThat(read.pendingTimer()).isEqualTo(Long.MIN_VALUE);
        read.noteLsn(99);
        read.pendingFrom(1);
        read.pendingTimer(7_000);
        assertThat(read).isEqualTo(log);
    }

    private static String eventKey(long micros, String id) {
        String unsigned = Long.toUnsignedString(micros ^ Long.MIN_VALUE);
        return "0".repeat(20 - unsigned.length()) + unsigned + "|" + id;
    }

    private static void assertSame(EventLog log, TreeMap<String, Object[]> oracle) {
        List<String> actual = new ArrayList<>();
        for (int i = 0; i < log.size(); i++) {
            actual.add(
                    eventKey(log.time(i), log.id(i))
                            + "="
                            + log.value(i, 0)
                            + ","
                            + log.value(i, 1)
                            + ","
                            + log.label(i));
        }
        List<String> expected = new ArrayList<>();
        for (Map.Entry<String, Object[]> e : oracle.entrySet()) {
            int[] ints = (int[]) e.getValue()[2];
            expected.add(e.getKey() + "=" + ints[0] + "," + ints[1] + "," + e.getValue()[3]);
        }
        assertThat(actual).isEqualTo(expected);
    }

    private static EventLog roundTrip(EventLog log) throws Exception {
        EventLogSerializer serializer = new EventLogSerializer();
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(log, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        return serializer.deserialize(in);
    }

    @Override
    protected TypeSerializer<EventLog> createSerializer() {
        return new EventLogSerializer();
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<EventLog> getTypeClass() {
        return EventLog.class;
    }

    @Override
    protected EventLog[] getTestData() {
        EventLog empty = EventLog.empty(1, false);
        EventLog funnel = EventLog.empty(2, false);
        funnel.put(1_000_000L, "0b7c-ü", new int[] {1, 2}, null);
        funnel.put(-3L, "a", new int[] {4, 0}, null);
        EventLog session = EventLog.empty(0, true);
        session.put(7L, "x", null, "page_view");
        session.put(7L, "y", null, "page_view");
        session.put(9L, "z", null, null);
        EventLog marked = session.copy();
        marked.noteLsn(0x1_0000_0000L);
        marked.pendingFrom(1);
        marked.pendingTimer(1_795_000_001_000L);
        marked.holdUntil(1_795_000_002_000L);
        marked.lastStart(-5L);
        EventLog all = EventLog.empty(0, true);
        all.pendingFrom(EventLog.ALL);
        return new EventLog[] {empty, funnel, session, marked, all};
    }
}
