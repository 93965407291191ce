package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Batches in checkpoints: writer state of both sinks and the analytics committables. */
class ClickHouseBatchSerializerTest {
    private final ClickHouseBatch.Serializer serializer = new ClickHouseBatch.Serializer();

    @Test
    void roundTrips() throws IOException {
        ClickHouseBatch batch =
                new ClickHouseBatch(
                        "events",
                        List.of("event_id", "_version", "name with ü"),
                        2,
                        "1\t5\tä\\tb\n2\t6\t\\N\n".getBytes(StandardCharsets.UTF_8));
        ClickHouseBatch back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(batch));
        assertThat(back).isEqualTo(batch);
        assertThat(back.bytes()).isEqualTo(batch.tsv().length);
    }

    @Test
    void readsTheFormatTheAnalyticsCommittablesHadBeforeTheMove() throws IOException {
        // Version 1 as AnalyticsBatch.Serializer wrote it: table, columns, rows, tsv.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF("rollup_daily");
        out.writeInt(1);
        out.writeUTF("day");
        out.writeInt(1);
        out.writeInt(11);
        out.write("2024-01-01\n".getBytes(StandardCharsets.UTF_8));
        assertThat(serializer.deserialize(1, bytes.toByteArray()))
                .isEqualTo(
                        new ClickHouseBatch(
                                "rollup_daily",
                                List.of("day"),
                                1,
                                "2024-01-01\n".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void refusesAnUnknownVersion() {
        assertThatThrownBy(() -> serializer.deserialize(2, new byte[0]))
                .hasMessageContaining("unknown ClickHouse batch version 2");
    }
}
