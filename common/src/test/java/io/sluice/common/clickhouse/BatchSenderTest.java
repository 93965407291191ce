package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The sender on its own thread: closing it lets the batches already handed over land. */
class BatchSenderTest {
    @Test
    void closeLetsTheBatchesAlreadyHandedOverLand() throws Exception {
        List<String> written = new CopyOnWriteArrayList<>();
        BatchSender<String> sender =
                BatchSender.create(
                        "test-sender",
                        batch -> {
                            Thread.sleep(200); // a slow ClickHouse
                            written.add(batch);
                        },
                        BatchSender.NO_WAITING,
                        b -> 1,
                        100);
        sender.submit("a");
        sender.submit("b");

        sender.close(); // as after a stop-with-savepoint

        assertThat(written).containsExactly("a", "b");
    }
}
