package io.sluice.jobs.analytics.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.jobs.analytics.CleanEvent;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The deltas' serializer between operators: Flink's serializer contract, and the records Flink's
 * POJO serializer wrote before it (a backfill's unaligned checkpoints hold such in-flight records).
 */
class EventDeltaSerializerTest extends SerializerTestBase<EventDelta> {
    @Test
    void readsRecordsThePojoSerializerWrote() throws IOException {
        TypeSerializer<EventDelta> pojo =
                TypeInformation.of(EventDelta.class).createSerializer(new SerializerConfigImpl());
        for (EventDelta d : getTestData()) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            pojo.serialize(d, out);
            pojo.serialize(d, out); // two records back to back: each read stops at its end
            DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
            assertThat(EventDeltaSerializer.INSTANCE.deserialize(in)).isEqualTo(d);
            assertThat(EventDeltaSerializer.INSTANCE.deserialize(in)).isEqualTo(d);
            assertThat(in.available()).isZero();
        }
        DataOutputSerializer out = new DataOutputSerializer(8);
        pojo.serialize(null, out);
        assertThat(
                        EventDeltaSerializer.INSTANCE.deserialize(
                                new DataInputDeserializer(out.getCopyOfBuffer())))
                .isNull();
    }

    @Test
    void refusesAnUnknownFormat() {
        assertThatThrownBy(
                        () ->
                                EventDeltaSerializer.INSTANCE.deserialize(
                                        new DataInputDeserializer(new byte[] {7, 0, 0, 0})))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown EventDelta format 7");
    }

    @Test
    void aCopyDoesNotShareThePromotedValues() {
        EventDelta d = getTestData()[0];
        EventDelta copy = EventDeltaSerializer.INSTANCE.copy(d);
        copy.event.promoted[0] = "changed";
        assertThat(d.event.promoted[0]).isEqualTo("pro");
    }

    @Override
    protected TypeSerializer<EventDelta> createSerializer() {
        return EventDeltaSerializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<EventDelta> getTypeClass() {
        return EventDelta.class;
    }

    @Override
    protected EventDelta[] getTestData() {
        CleanEvent[] events = new CleanEventSerializerTest().getTestData(); // full, sparse, empty
        return new EventDelta[] {
            new EventDelta(1, events[0], 0x16B3_7A2F_0010L),
            new EventDelta(-1, events[1], Long.MAX_VALUE),
            new EventDelta(-3, events[2], 0),
            new EventDelta()
        };
    }
}
