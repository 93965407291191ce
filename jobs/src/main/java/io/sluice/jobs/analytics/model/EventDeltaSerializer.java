package io.sluice.jobs.analytics.model;

import io.sluice.common.change.SerializerTypeInfo;
import io.sluice.jobs.analytics.CleanEvent;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * {@link EventDelta} between operators: every counted event crosses the shuffle by user and each
 * rollup's combiner as one, and is copied at every chained operator. Flink's POJO serializer wrote
 * each field through reflection, boxed its numbers and wrote strings a character at a time: a
 * twentieth of the benchmark's samples went to it.
 *
 * <p>Not a state type (no operator keeps deltas across a checkpoint), but a backfill takes
 * unaligned checkpoints, whose in-flight records an earlier build wrote with the POJO serializer.
 * Those start with the POJO serializer's flags byte (1: null, 2: no subclass), this format with
 * {@link #FORMAT}, so both are read.
 */
@Internal
public final class EventDeltaSerializer extends TypeSerializerSingleton<EventDelta> {
    private static final long serialVersionUID = 1L;

    public static final EventDeltaSerializer INSTANCE = new EventDeltaSerializer();

    /** The type information to give operators that emit deltas ({@code returns(TYPE)}). */
    public static final TypeInformation<EventDelta> TYPE = new Info();

    static final byte FORMAT = 0x40;
    private static final byte POJO_NULL = 1;
    private static final byte POJO_NO_SUBCLASS = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public EventDelta createInstance() {
        return new EventDelta();
    }

    @Override
    public EventDelta copy(EventDelta from) {
        if (from == null) {
            return null;
        }
        return new EventDelta(from.sign, CleanEventSerializer.copyOf(from.event), from.lsn);
    }

    @Override
    public EventDelta copy(EventDelta from, EventDelta reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(EventDelta d, DataOutputView out) throws IOException {
        out.writeByte(FORMAT);
        out.writeInt(d.sign);
        out.writeLong(d.lsn);
        out.writeBoolean(d.event != null);
        if (d.event != null) {
            CleanEventSerializer.writeFields(d.event, out);
        }
    }

    @Override
    public EventDelta deserialize(DataInputView in) throws IOException {
        byte format = in.readByte();
        if (format == POJO_NULL) {
            return null;
        }
        if (format == POJO_NO_SUBCLASS) {
            return readPojo(in);
        }
        if (format != FORMAT) {
            throw new IOException("unknown EventDelta format " + format);
        }
        EventDelta d = new EventDelta();
        d.sign = in.readInt();
        d.lsn = in.readLong();
        if (in.readBoolean()) {
            d.event = CleanEventSerializer.readFields(in);
        }
        return d;
    }

    /**
     * The POJO serializer's layout after its flags byte: each field in name order (event, lsn,
     * sign), a null flag before each.
     */
    private EventDelta readPojo(DataInputView in) throws IOException {
        EventDelta d = new EventDelta();
        if (!in.readBoolean()) {
            d.event = Legacy.EVENT.deserialize(in);
        }
        if (!in.readBoolean()) {
            d.lsn = in.readLong();
        }
        if (!in.readBoolean()) {
            d.sign = in.readInt();
        }
        return d;
    }

    @Override
    public EventDelta deserialize(EventDelta reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    /** The POJO serializer of {@link CleanEvent}, made when an earlier build's record is read. */
    private static final class Legacy {
        static final TypeSerializer<CleanEvent> EVENT =
                TypeInformation.of(CleanEvent.class).createSerializer(new SerializerConfigImpl());
    }

    @Override
    public TypeSerializerSnapshot<EventDelta> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<EventDelta> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }

    /** Type information of a delta serialized by {@link EventDeltaSerializer}. */
    static final class Info extends SerializerTypeInfo<EventDelta> {
        private static final long serialVersionUID = 1L;

        Info() {
            super(EventDelta.class, INSTANCE, false);
        }
    }
}
