package io.sluice.jobs.analytics.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.junit.jupiter.api.Test;

/** The analytics committable survives the checkpoint it is stored in, byte for byte. */
class AnalyticsBatchSerializerTest {
    private final AnalyticsBatch.Serializer serializer = new AnalyticsBatch.Serializer();

    private static AnalyticsBatch batch() {
        byte[] tsv =
                "2024-02-29 01:02:03\tpage_view\t3\t7\n2024-02-29 01:03:00\tsignup\t1\t7\n"
                        .getBytes(StandardCharsets.UTF_8);
        return new AnalyticsBatch(
                "events_per_minute", List.of("minute", "event_name", "events", "_version"), 2, tsv);
    }

    @Test
    void aBatchSurvivesARoundTrip() throws IOException {
        AnalyticsBatch batch = batch();
        byte[] stored = SimpleVersionedSerialization.writeVersionAndSerialize(serializer, batch);
        AnalyticsBatch back =
                SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, stored);

        assertThat(back.table()).isEqualTo("events_per_minute");
        assertThat(back.columns()).containsExactly("minute", "event_name", "events", "_version");
        assertThat(back.rows()).isEqualTo(2);
        assertThat(back.tsv()).isEqualTo(batch.tsv());
    }

    @Test
    void anEmptyBatchWithNonAsciiNamesSurvivesARoundTrip() throws IOException {
        AnalyticsBatch batch = new AnalyticsBatch("sessions_ü", List.of(), 0, new byte[0]);
        AnalyticsBatch back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(batch));

        assertThat(back.table()).isEqualTo("sessions_ü");
        assertThat(back.columns()).isEmpty();
        assertThat(back.rows()).isZero();
        assertThat(back.tsv()).isEmpty();
    }

    @Test
    void theCheckpointRecordsVersionOne() throws IOException {
        byte[] stored = SimpleVersionedSerialization.writeVersionAndSerialize(serializer, batch());
        // SimpleVersionedSerialization's frame: the version, then the length, as big-endian ints.
        assertThat(ByteBuffer.wrap(stored).getInt(0)).isEqualTo(1);
        assertThat(serializer.getVersion()).isEqualTo(1);
    }

    @Test
    void anUnknownVersionIsRefusedWithTheVersionsInvolved() throws IOException {
        byte[] body = serializer.serialize(batch());
        assertThatThrownBy(() -> serializer.deserialize(2, body))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown analytics batch version 2")
                .hasMessageContaining("reads version 1");
    }
}
