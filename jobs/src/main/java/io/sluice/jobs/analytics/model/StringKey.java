package io.sluice.jobs.analytics.model;

import io.sluice.common.change.SerializerTypeInfo;
import java.io.IOException;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The type of the analytics job's string keys (event ids, user ids): Flink's string format, written
 * with one call per key. A keyed state backend writes the key of every state entry and of every
 * timer at each checkpoint; Flink's {@code StringSerializer} does that a byte at a time, and with
 * snapshot compression each byte goes through the compressor (the largest share of a heap-backend
 * checkpoint's CPU in the benchmark's profile). The bytes are the same, so state written with
 * {@code Types.STRING} keys restores as it is, and the key groups do not move ({@link
 * String#hashCode} is unchanged).
 */
@Internal
public final class StringKey {
    private StringKey() {}

    /** Use instead of {@code Types.STRING} in {@code keyBy}. */
    public static final TypeInformation<String> TYPE = new Info();

    /** Type information of a string key serialized by {@link Serializer}. */
    static final class Info extends SerializerTypeInfo<String> {
        private static final long serialVersionUID = 1L;

        Info() {
            super(String.class, Serializer.INSTANCE, true);
        }
    }

    /**
     * Writes what {@link StringSerializer} writes (length + 1, then each char, as 7-bit groups with
     * a continuation bit), from one array.
     */
    public static final class Serializer extends TypeSerializerSingleton<String> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();
        private static final int HIGH_BIT = 0x80;

        /**
         * Where a key is encoded before its one write; per thread, as a snapshot thread and a task
         * thread may write keys at once (a fresh array per key was measurable garbage).
         */
        private static final ThreadLocal<byte[]> SCRATCH =
                ThreadLocal.withInitial(() -> new byte[128]);

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public String createInstance() {
            return "";
        }

        @Override
        public String copy(String from) {
            return from;
        }

        @Override
        public String copy(String from, String reuse) {
            return from;
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(String s, DataOutputView target) throws IOException {
            if (s == null) {
                target.write(0);
                return;
            }
            int length = s.length();
            byte[] out = SCRATCH.get();
            if (out.length < 5 + 3 * length) {
                out = new byte[Math.max(5 + 3 * length, 2 * out.length)];
                SCRATCH.set(out);
            }
            int n = put(out, 0, length + 1);
            for (int i = 0; i < length; i++) {
                n = put(out, n, s.charAt(i));
            }
            target.write(out, 0, n);
        }

        private static int put(byte[] out, int at, int value) {
            while (value >= HIGH_BIT) {
                out[at++] = (byte) (value | HIGH_BIT);
                value >>>= 7;
            }
            out[at++] = (byte) value;
            return at;
        }

        @Override
        public String deserialize(DataInputView source) throws IOException {
            return StringValue.readString(source);
        }

        @Override
        public String deserialize(String reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            StringValue.copyString(source, target);
        }

        @Override
        public TypeSerializerSnapshot<String> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Compatible as is with itself and with {@link StringSerializer}'s snapshot: same bytes. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<String> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }

        @Override
        public TypeSerializerSchemaCompatibility<String> resolveSchemaCompatibility(
                TypeSerializerSnapshot<String> oldSnapshot) {
            if (oldSnapshot instanceof Snapshot
                    || oldSnapshot instanceof StringSerializer.StringSerializerSnapshot) {
                return TypeSerializerSchemaCompatibility.compatibleAsIs();
            }
            return TypeSerializerSchemaCompatibility.incompatible();
        }
    }
}
