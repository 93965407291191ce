package io.sluice.jobs.analytics.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The analytics job's string keys are written byte for byte as Flink's {@code StringSerializer}
 * writes them, so state keyed by {@code Types.STRING} restores under them as it is.
 */
class StringKeyTest {
    @Test
    void writesTheBytesOfFlinksStringSerializer() throws Exception {
        Random random = new Random(7);
        List<String> samples = new ArrayList<>(List.of("", "e-1", "0b7c3f6e-6a8e-4bd4-9d0c"));
        samples.add("\u0000\u007f\u0080\u3fff\u4000\uffff");
        samples.add("user 😀 ü");
        for (int i = 0; i < 500; i++) {
            char[] chars = new char[random.nextInt(200)];
            for (int c = 0; c < chars.length; c++) {
                chars[c] = (char) random.nextInt(random.nextBoolean() ? 128 : 65536);
            }
            samples.add(new String(chars));
        }
        samples.add(null);
        for (String s : samples) {
            DataOutputSerializer flink = new DataOutputSerializer(64);
            StringSerializer.INSTANCE.serialize(s, flink);
            DataOutputSerializer ours = new DataOutputSerializer(64);
            StringKey.TYPE
                    .createSerializer(
                            new org.apache.flink.api.common.serialization.SerializerConfigImpl())
                    .serialize(s, ours);
            assertThat(ours.getCopyOfBuffer()).isEqualTo(flink.getCopyOfBuffer());
            assertThat(
                            StringKey.Serializer.INSTANCE.deserialize(
                                    new DataInputDeserializer(ours.getCopyOfBuffer())))
                    .isEqualTo(s);
        }
    }

    @Test
    void restoresStateWrittenWithFlinksStringKeysAsItIs() {
        var current = StringKey.Serializer.INSTANCE.snapshotConfiguration();
        assertThat(
                        current.resolveSchemaCompatibility(
                                        StringSerializer.INSTANCE.snapshotConfiguration())
                                .isCompatibleAsIs())
                .isTrue();
        assertThat(current.resolveSchemaCompatibility(current).isCompatibleAsIs()).isTrue();
    }
}
