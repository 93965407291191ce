package io.sluice.jobs.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.model.CleanEventSerializer;
import io.sluice.jobs.analytics.model.EventLog;
import io.sluice.jobs.analytics.model.EventLogSerializer;
import io.sluice.jobs.analytics.model.StringKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The keyed-state types as the checked-in snapshots of an earlier build saw them: what a checkpoint
 * or savepoint holds for each (the serializer snapshot, which names the class, and a value written
 * with it). The current serializer must read them as they are, as a restore does. Moving a type to
 * another package, renaming or retyping a field, or falling back to Kryo turns this red; adding a
 * field does not (Flink's POJO serializer migrates). Regenerate only for an intended, documented
 * state break: {@code mvn -pl jobs surefire:test -Dtest=StateSnapshotCompatibilityTest
 * -Dsluice.state-snapshots=write}; a new case's files alone with {@code =write-missing}.
 */
class StateSnapshotCompatibilityTest {
    private static final Path DIR = Path.of("src/test/resources/state-snapshots");

    /**
     * A state type, a sample value, and its own serializer (null: Flink's); {@code upgraded}: the
     * checked-in value is of an earlier format of that serializer, which reads it and writes the
     * current one.
     */
    record Case(
            String name,
            Class<?> type,
            Object sample,
            TypeSerializer<?> serializer,
            boolean upgraded) {
        Case(String name, Class<?> type, Object sample, TypeSerializer<?> serializer) {
            this(name, type, sample, serializer, false);
        }

        Case(String name, Class<?> type, Object sample) {
            this(name, type, sample, null, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        CleanEvent event = new CleanEvent();
        event.eventId = "e-1";
        event.userId = "u-7";
        event.occurredAtUs = 1_795_000_000_123_456L;
        event.eventName = "signup";
        event.propertiesJson = "{\"plan\":\"pro\"}";
        event.promoted = new String[] {"pro", null};
        event.counted = true;
        Session session = new Session();
        session.startedAtUs = 1_795_000_000_000_000L;
        session.endedAtUs = 1_795_000_600_000_000L;
        session.events = 12;
        session.entryEvent = "page_view";
        session.exitEvent = "logout";
        session.rewrites = 2;
        EventLog log = EventLog.empty(1, true);
        log.put(1_795_000_000_500_000L, "e-1", new int[] {3}, "click");
        log.put(1_795_000_000_400_000L, "e-2", new int[] {1}, "page_view");
        // Format 1: before the pending-derivation marks, which such a log reads as unknown.
        EventLog formatOne = log.copy();
        formatOne.pendingFrom(EventLog.UNKNOWN);
        EventLog marked = log.copy();
        marked.noteLsn(0x2_0000_0001L);
        marked.pendingFrom(1);
        marked.pendingTimer(1_795_000_001_000L);
        // Format 3: with the hold of immediate derivations and the last written row's key.
        EventLog held = marked.copy();
        held.holdUntil(1_795_000_002_000L);
        held.lastStart(1_795_000_000_000_000L);
        return List.of(
                new Case("EventLog", EventLog.class, formatOne, new EventLogSerializer(), true),
                // Format 2: the marks without the hold and the last row's key (not recorded).
                new Case("EventLogMarks", EventLog.class, marked, new EventLogSerializer(), true),
                new Case("EventLogHold", EventLog.class, held, new EventLogSerializer()),
                new Case("StringKey", String.class, "u-7 ü", StringKey.Serializer.INSTANCE),
                new Case("CleanEvent", CleanEvent.class, event),
                new Case("CleanEventState", CleanEvent.class, event, new CleanEventSerializer()),
                new Case("Session", Session.class, session),
                new Case(
                        "SessionEvent",
                        SessionEvent.class,
                        new SessionEvent(1_795_000_000_500_000L, "click")));
    }

    @SuppressWarnings("unchecked")
    private static <T> TypeSerializer<T> currentSerializer(Case c, Class<T> type) {
        if (c.serializer() != null) {
            return (TypeSerializer<T>) c.serializer();
        }
        return TypeInformation.of(type).createSerializer(new SerializerConfigImpl());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    <T> void earlierSnapshotsRestoreAsTheyAre(Case c) throws Exception {
        @SuppressWarnings("unchecked")
        Class<T> type = (Class<T>) c.type();
        @SuppressWarnings("unchecked")
        T sample = (T) c.sample();
        TypeSerializer<T> current = currentSerializer(c, type);
        Path snapshotFile = DIR.resolve(c.name() + ".snapshot");
        Path valueFile = DIR.resolve(c.name() + ".value");
        String write = System.getProperty("sluice.state-snapshots", "");
        if (write.equals("write") || write.equals("write-missing") && !Files.exists(valueFile)) {
            DataOutputSerializer out = new DataOutputSerializer(256);
            TypeSerializerSnapshot.writeVersionedSnapshot(out, current.snapshotConfiguration());
            Files.write(snapshotFile, out.getCopyOfBuffer());
            DataOutputSerializer value = new DataOutputSerializer(256);
            current.serialize(sample, value);
            Files.write(valueFile, value.getCopyOfBuffer());
        }

        TypeSerializerSnapshot<T> earlier =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(Files.readAllBytes(snapshotFile)),
                        getClass().getClassLoader());
        TypeSerializerSchemaCompatibility<T> compatibility =
                current.snapshotConfiguration().resolveSchemaCompatibility(earlier);
        assertThat(compatibility.isCompatibleAsIs())
                .as("%s's current serializer reads its earlier snapshot as it is", c.name())
                .isTrue();

        byte[] written = Files.readAllBytes(valueFile);
        T restored = earlier.restoreSerializer().deserialize(new DataInputDeserializer(written));
        DataOutputSerializer again = new DataOutputSerializer(256);
        current.serialize(restored, again);
        if (c.upgraded()) {
            assertThat(current.deserialize(new DataInputDeserializer(again.getCopyOfBuffer())))
                    .as("%s read from an earlier format and written in the current one", c.name())
                    .isEqualTo(restored);
        } else {
            assertThat(again.getCopyOfBuffer())
                    .as("%s read from an earlier checkpoint and written again", c.name())
                    .isEqualTo(written);
        }
        if (c.serializer() != null) {
            // Their own equals (an event log's capacity is not content).
            assertThat(restored).isEqualTo(sample);
        } else {
            assertThat(restored).usingRecursiveComparison().isEqualTo(sample);
        }
    }
}
