package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.apache.flink.util.function.ThrowingRunnable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's flush paths without a server: a batch is inserted when it is full, when the flush
 * interval passes on the processing-time service, and when Flink flushes before a barrier; and its
 * sender: a checkpoint does not wait for ClickHouse (the unwritten changes are the writer's state,
 * which a restored writer writes), a full queue back-pressures, and a failed batch fails the job.
 * The writer's statements go to a fake ClickHouse that records each insert; the sender runs on an
 * executor the test drives by hand.
 */
class ClickHouseSinkWriterTest {
    private static final TableId ACCOUNTS = new TableId("public", "accounts");
    private static final long INTERVAL_MS = 1_000;

    /** Holds one table, {@code accounts}, and records the inserts into it. */
    private static final class FakeClickHouse implements ClickHouseStatements {
        final List<String> inserts = new ArrayList<>();
        final List<String> deadLetters = new ArrayList<>();
        final List<String> statements = new ArrayList<>();
        RuntimeException failInserts;

        /** Refuses, as ClickHouse does a value it cannot parse, any insert holding this text. */
        String refuse;

        @Override
        public List<List<String>> query(String sql) {
            assertThat(sql).contains("system.columns").contains("'accounts'");
            return List.of(
                    List.of("id", "Int64"),
                    List.of("name", "String"),
                    List.of("_version", "UInt64"),
                    List.of("_is_deleted", "UInt8"),
                    List.of("_lsn", "UInt64"));
        }

        @Override
        public void execute(String sql) {
            assertThat(sql)
                    .as("the writer runs no other statement")
                    .startsWith("CREATE TABLE IF NOT EXISTS `sink`.`_sluice_dead_letters`");
            statements.add(sql);
        }

        @Override
        public void insertTsv(String table, List<String> columns, byte[] tsv) {
            String rows = new String(tsv, StandardCharsets.UTF_8);
            if (table.equals(MirrorDeadLetters.TABLE)) {
                assertThat(statements).as("the table is made first").hasSize(1);
                assertThat(columns).isEqualTo(MirrorDeadLetters.COLUMNS);
                deadLetters.add(rows);
                return;
            }
            assertThat(table).isEqualTo("accounts");
            if (failInserts != null) {
                throw failInserts;
            }
            if (refuse != null && rows.contains(refuse)) {
                throw new ClickHouseException(
                        "INSERT INTO accounts", 27, "Cannot parse input", false, null);
            }
            inserts.add(rows);
        }

        @Override
        public String database() {
            return "sink";
        }

        @Override
        public ServerVersion serverVersion() {
            return ServerVersion.parse("18.16.1");
        }

        @Override
        public void close() {}
    }

    private static final TableRouting ROUTING =
            new TableRouting() {
                @Override
                public String clickHouseTable(TableId t) {
                    return "accounts";
                }

                @Override
                public List<String> keyColumns(TableId t) {
                    return List.of("id");
                }

                @Override
                public Set<String> addColumns(
                        ClickHouseSchema schema, TableId t, Set<String> missing) {
                    throw new AssertionError("no column is missing: " + missing);
                }
            };

    /** The sender's thread, run by hand: {@link #runSender} writes the queued batches. */
    private final ArrayDeque<Runnable> senderTasks = new ArrayDeque<>();

    private boolean senderRunsAtOnce = true;
    private int yields;

    /** The task's mailbox: a yield lets the sender write one batch (as if it had finished). */
    private final MailboxExecutor mailbox =
            new MailboxExecutor() {
                @Override
                public void execute(
                        MailOptions options,
                        ThrowingRunnable<? extends Exception> command,
                        String description,
                        Object... args) {
                    // the sender's wake-up: nothing to do, the test drives the sender
                }

                @Override
                public void yield() {
                    yields++;
                    assertThat(senderTasks).as("a yield waits for a batch in flight").isNotEmpty();
                    senderTasks.poll().run();
                }

                @Override
                public boolean tryYield() {
                    throw new AssertionError("the writer does not poll");
                }

                @Override
                public boolean shouldInterrupt() {
                    return false;
                }
            };

    private final FakeClickHouse clickHouse = new FakeClickHouse();
    private final TestProcessingTimeService time = new TestProcessingTimeService();
    private SluiceConfig config;
    private ClickHouseSinkWriter writer;

    @BeforeEach
    void startAtZero() throws Exception {
        time.setCurrentTime(0); // its clock starts at Long.MIN_VALUE
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.DATABASE.key(), "unused");
        v.put(PostgresSourceOptions.USER.key(), "unused");
        v.put(PostgresSourceOptions.TABLES.key(), List.of("accounts"));
        v.put(ClickHouseSinkOptions.URL.key(), "http://unused:8123");
        v.put(ClickHouseSinkOptions.DATABASE.key(), "sink");
        config =
                SluiceConfig.of(v)
                        .with(ClickHouseSinkOptions.BATCH_ROWS, 3)
                        .with(ClickHouseSinkOptions.MAX_PENDING_ROWS, 6)
                        .with(ClickHouseSinkOptions.FLUSH_INTERVAL, Duration.ofMillis(INTERVAL_MS));
        writer = writer(List.of());
    }

    private ClickHouseSinkWriter writer(List<UnwrittenChanges> restored) throws Exception {
        return writer(ROUTING, restored);
    }

    private ClickHouseSinkWriter writer(TableRouting routing, List<UnwrittenChanges> restored)
            throws Exception {
        return new ClickHouseSinkWriter(
                clickHouse,
                config,
                routing,
                time,
                UnregisteredMetricsGroup.createSinkWriterMetricGroup(),
                send ->
                        BatchSender.on(
                                task -> {
                                    senderTasks.add(task);
                                    if (senderRunsAtOnce) {
                                        runSender();
                                    }
                                },
                                send,
                                mailbox,
                                TableBuffer::size,
                                config.get(ClickHouseSinkOptions.MAX_PENDING_ROWS)),
                restored);
    }

    private void runSender() {
        while (!senderTasks.isEmpty()) {
            senderTasks.poll().run();
        }
    }

    private void write(long id) throws InterruptedException {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("name", "n" + id);
        writer.write(
                new ChangeRecord(ACCOUNTS, ChangeRecord.Op.INSERT, values, Set.of(), id), null);
    }

    private List<Long> ids(String tsv) {
        List<Long> ids = new ArrayList<>();
        for (String line : tsv.split("\n")) {
            ids.add(Long.parseLong(line.substring(0, line.indexOf('\t'))));
        }
        return ids;
    }

    @Test
    void aFullBatchIsInsertedAtOnce() throws Exception {
        write(1);
        write(2);
        assertThat(clickHouse.inserts).isEmpty();

        write(3);

        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L, 2L, 3L);
        assertThat(time.getNumActiveTimers()).isEqualTo(1); // the interval timer stays armed
    }

    @Test
    void aPartialBatchIsInsertedWhenTheIntervalPassesAndTheTimerIsArmedAgain() throws Exception {
        write(1);
        time.setCurrentTime(INTERVAL_MS - 1);
        assertThat(clickHouse.inserts).isEmpty();

        time.setCurrentTime(INTERVAL_MS);
        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L);

        write(2);
        time.setCurrentTime(2 * INTERVAL_MS);
        assertThat(clickHouse.inserts).hasSize(2);
        assertThat(ids(clickHouse.inserts.get(1))).containsExactly(2L);
    }

    @Test
    void anIntervalWithNothingBufferedInsertsNothing() throws Exception {
        time.setCurrentTime(5 * INTERVAL_MS);
        assertThat(clickHouse.inserts).isEmpty();
        assertThat(time.getNumActiveTimers()).isEqualTo(1);
    }

    @Test
    void flushBeforeABarrierInsertsWhatIsBuffered() throws Exception {
        write(1);
        write(2);

        writer.flush(false);

        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L, 2L);
        writer.flush(false);
        assertThat(clickHouse.inserts).hasSize(1); // nothing left to insert
    }

    @Test
    void aCheckpointDoesNotWaitForClickHouseAndARestoredWriterWritesWhatItHeld() throws Exception {
        senderRunsAtOnce = false; // ClickHouse does not answer
        write(1);
        write(2);

        writer.flush(false); // before the barrier: hands the batch over, does not wait
        List<UnwrittenChanges> state = writer.snapshotState(1);

        assertThat(clickHouse.inserts).isEmpty();
        assertThat(yields).isZero();
        assertThat(state).hasSize(1);
        assertThat(state.get(0).records()).extracting(ChangeRecord::lsn).containsExactly(1L, 2L);

        // The job fails over; the restored writer writes the changes from its state first.
        UnwrittenChanges restored =
                new UnwrittenChanges.Serializer()
                        .deserialize(1, new UnwrittenChanges.Serializer().serialize(state.get(0)));
        senderTasks.clear();
        senderRunsAtOnce = true;
        ClickHouseSinkWriter again = writer(List.of(restored));
        again.write(
                new ChangeRecord(
                        ACCOUNTS,
                        ChangeRecord.Op.INSERT,
                        Map.of("id", 3L, "name", "n3"),
                        Set.of(),
                        3L),
                null);

        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L, 2L, 3L);
        assertThat(again.snapshotState(2)).isEmpty();
    }

    @Test
    void aWrittenBatchLeavesTheState() throws Exception {
        senderRunsAtOnce = false;
        write(1);
        writer.flush(false);
        write(2);
        writer.flush(false);
        senderTasks.poll().run(); // the first batch is written

        List<UnwrittenChanges> state = writer.snapshotState(1);

        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L);
        assertThat(state.get(0).records()).extracting(ChangeRecord::lsn).containsExactly(2L);
    }

    @Test
    void moreRowsThanMayWaitBackPressureUntilABatchIsWritten() throws Exception {
        senderRunsAtOnce = false;
        for (long id = 1; id <= 6; id++) {
            write(id); // two full batches of 3 wait: 6 rows, the limit
        }
        assertThat(yields).isZero();
        assertThat(clickHouse.inserts).isEmpty();

        for (long id = 7; id <= 9; id++) {
            write(id); // a third: the task waits until the first is written
        }

        assertThat(yields).isEqualTo(1);
        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L, 2L, 3L);
    }

    @Test
    void aBatchThatFailsForGoodFailsTheTaskAndStopsLaterBatches() throws Exception {
        senderRunsAtOnce = false;
        clickHouse.failInserts =
                new ClickHouseException(
                        "INSERT INTO accounts", 60, "table was dropped", false, null);
        write(1);
        writer.flush(false);
        write(2);
        writer.flush(false);
        runSender();

        assertThatThrownBy(() -> write(3)).isSameAs(clickHouse.failInserts);
        assertThatThrownBy(() -> writer.snapshotState(1)).isSameAs(clickHouse.failInserts);
        assertThat(clickHouse.inserts).isEmpty();
    }

    @Test
    void aColumnThatCannotBeAddedStopsTheJobInsteadOfLosingItsValues() throws Exception {
        List<Set<String>> asked = new ArrayList<>();
        TableRouting catalogLacksIt =
                new TableRouting() {
                    @Override
                    public String clickHouseTable(TableId t) {
                        return "accounts";
                    }

                    @Override
                    public List<String> keyColumns(TableId t) {
                        return List.of("id");
                    }

                    @Override
                    public Set<String> addColumns(
                            ClickHouseSchema schema, TableId t, Set<String> missing) {
                        asked.add(missing);
                        return Set.of(); // Postgres' catalog has no such column
                    }
                };
        writer = writer(catalogLacksIt, List.of());
        write(1);
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", 2L);
        values.put("name", "n2");
        values.put("pr\uFFC3\uFFA9nom", "Zoë");

        assertThatThrownBy(
                        () ->
                                writer.write(
                                        new ChangeRecord(
                                                ACCOUNTS,
                                                ChangeRecord.Op.INSERT,
                                                values,
                                                Set.of(),
                                                2L),
                                        null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("\"pr\\uFFC3\\uFFA9nom\"")
                .hasMessageContaining("sink.accounts")
                .hasMessageContaining(
                        "ALTER TABLE `sink`.`accounts` ADD COLUMN `pr\uFFC3\uFFA9nom`"
                                + " Nullable(String);")
                .hasMessageNotContaining("Zoë");
        assertThat(asked).containsExactly(Set.of("pr\uFFC3\uFFA9nom"));
        // The rows before it were written; the one that carries the column was not.
        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L);
    }

    private void write(long id, String name) throws InterruptedException {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("name", name);
        writer.write(
                new ChangeRecord(ACCOUNTS, ChangeRecord.Op.INSERT, values, Set.of(), id), null);
    }

    @Test
    void rowsClickHouseRefusesBecomeDeadLettersAndTheRestIsWritten() throws Exception {
        config = config.with(ClickHouseSinkOptions.BATCH_ROWS, 100);
        writer = writer(List.of());
        clickHouse.refuse = "poison";
        for (long id = 1; id <= 10; id++) {
            write(id, id == 4 || id == 9 ? "poison" + id : "n" + id);
        }

        writer.flush(false);

        List<Long> written = new ArrayList<>();
        for (String insert : clickHouse.inserts) {
            written.addAll(ids(insert));
        }
        assertThat(written).containsExactlyInAnyOrder(1L, 2L, 3L, 5L, 6L, 7L, 8L, 10L);
        assertThat(clickHouse.deadLetters).hasSize(1);
        String[] letters = clickHouse.deadLetters.get(0).split("\n");
        assertThat(letters).hasSize(2);
        assertThat(letters[0].split("\t"))
                .containsExactly(
                        "public.accounts",
                        "4",
                        "4",
                        "insert",
                        "ClickHouse refused the row (code 27): Cannot parse input",
                        "{\"id\":4,\"name\":\"poison4\"}");
        assertThat(letters[1]).startsWith("public.accounts\t9\t9\tinsert\t");
        assertThat(writer.snapshotState(1)).isEmpty(); // nothing waits: the job goes on
        write(11);
        writer.flush(false);
        assertThat(ids(clickHouse.inserts.get(clickHouse.inserts.size() - 1))).containsExactly(11L);
    }

    @Test
    void aValueTheColumnCannotTakeIsADeadLetterAgainAfterARestore() throws Exception {
        senderRunsAtOnce = false;
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", "twelve"); // an Int64 column
        values.put("name", "n12");
        writer.write(
                new ChangeRecord(ACCOUNTS, ChangeRecord.Op.UPDATE, values, Set.of(), 12L), null);
        write(13);
        writer.flush(false);

        List<UnwrittenChanges> state = writer.snapshotState(1);
        assertThat(state.get(0).records()).extracting(ChangeRecord::lsn).containsExactly(12L, 13L);

        senderTasks.clear();
        senderRunsAtOnce = true;
        ClickHouseSinkWriter again = writer(state);
        again.flush(false);

        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(13L);
        assertThat(clickHouse.deadLetters).hasSize(1);
        String[] letter = clickHouse.deadLetters.get(0).split("\t");
        assertThat(letter).hasSize(6);
        assertThat(letter[0] + " " + letter[1] + " " + letter[2] + " " + letter[3])
                .isEqualTo("public.accounts twelve 12 update");
        assertThat(letter[4])
                .startsWith("column id (Int64) of ClickHouse table accounts cannot take the value")
                .doesNotContain("twelve"); // the reason does not quote the row
        assertThat(again.snapshotState(2)).isEmpty();
    }
}
