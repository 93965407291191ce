package io.sluice.connector.clickhouse.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingBatchSerializerTest {
    private final PendingBatch.Serializer serializer = new PendingBatch.Serializer();

    @Test
    void roundTrips() throws IOException {
        PendingBatch batch =
                new PendingBatch(
                        List.of("id", "prénom `x`", "_version", "_is_deleted"),
                        2,
                        "1\tÅsa\t1099511627776\t0\n2\t\\N\t1099511627777\t1\n"
                                .getBytes(StandardCharsets.UTF_8));
        PendingBatch back =
                serializer.deserialize(serializer.getVersion(), serializer.serialize(batch));
        assertThat(back).isEqualTo(batch);
        assertThat(back.columns()).isEqualTo(batch.columns());
        assertThat(back.rows()).isEqualTo(2);
        assertThat(back.tsv()).isEqualTo(batch.tsv());
    }

    @Test
    void roundTripsAnEmptyBatch() throws IOException {
        PendingBatch batch = new PendingBatch(List.of("id"), 0, new byte[0]);
        assertThat(serializer.deserialize(1, serializer.serialize(batch))).isEqualTo(batch);
    }

    @Test
    void refusesAnUnknownVersion() {
        assertThatThrownBy(() -> serializer.deserialize(2, new byte[0]))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("unknown state version 2");
    }
}
