package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.function.ThrowingRunnable;
import org.junit.jupiter.api.Test;

/** The sender on its own thread: closing it lets the batches already handed over land. */
class BatchSenderTest {
    private static final MailboxExecutor IGNORED =
            new MailboxExecutor() {
                @Override
                public void execute(
                        MailOptions options,
                        ThrowingRunnable<? extends Exception> command,
                        String description,
                        Object... args) {
                    // wake-ups: the test does not wait on the mailbox
                }

                @Override
                public void yield() {
                    throw new AssertionError("the test stays below the limit");
                }

                @Override
                public boolean tryYield() {
                    return false;
                }

                @Override
                public boolean shouldInterrupt() {
                    return false;
                }
            };

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
                        IGNORED,
                        b -> 1,
                        100);
        sender.submit("a");
        sender.submit("b");

        sender.close(); // as after a stop-with-savepoint

        assertThat(written).containsExactly("a", "b");
    }
}
