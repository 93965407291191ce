package io.sluice.connector.clickhouse.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.BatchSender;
import io.sluice.common.clickhouse.ClickHouseException;
import io.sluice.common.clickhouse.ClickHouseStatements;
import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.connector.clickhouse.SinkSettings;
import io.sluice.connector.clickhouse.UpsertTable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.catalog.Column;
import org.apache.flink.table.catalog.ResolvedSchema;
import org.apache.flink.table.catalog.UniqueConstraint;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.function.ThrowingRunnable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer against a fake ClickHouse, its sender run by hand: the table it creates, the
 * generation it takes, and the exact row each change of the upsert changelog becomes.
 */
class ClickHouseUpsertWriterTest {
    private static final long INTERVAL_MS = 1_000;

    private static final UpsertTable TABLE =
            UpsertTable.of(
                    "analytics",
                    "customers",
                    new ResolvedSchema(
                            List.of(
                                    Column.physical("id", DataTypes.BIGINT().notNull()),
                                    Column.physical("name", DataTypes.STRING()),
                                    Column.physical("total", DataTypes.DECIMAL(10, 2)),
                                    Column.physical("seen", DataTypes.TIMESTAMP(3))),
                            List.of(),
                            UniqueConstraint.primaryKey("pk", List.of("id"))));

    /** One database: the sink's table (once created) and its generations side table. */
    private static final class FakeClickHouse implements ClickHouseStatements {
        final List<String> executed = new ArrayList<>();
        final List<String> inserts = new ArrayList<>();
        final List<String> generationRows = new ArrayList<>();
        Map<String, String> tableColumns = new LinkedHashMap<>();
        String engine = "ReplacingMergeTree";
        long highestGeneration;
        long highestVersion;
        RuntimeException failInserts;

        @Override
        public List<List<String>> query(String sql) {
            if (sql.contains("system.columns")) {
                assertThat(sql).contains("'analytics'").contains("'customers'");
                List<List<String>> rows = new ArrayList<>();
                tableColumns.forEach((n, t) -> rows.add(List.of(n, t)));
                return rows;
            }
            if (sql.contains("system.tables")) {
                return List.of(List.of(engine));
            }
            if (sql.equals(
                    "SELECT max(generation) FROM `analytics`.`customers__sluice_generations`")) {
                return List.of(List.of(Long.toString(highestGeneration)));
            }
            if (sql.equals("SELECT max(`_version`) FROM `analytics`.`customers`")) {
                return List.of(List.of(Long.toUnsignedString(highestVersion)));
            }
            throw new AssertionError("unexpected query: " + sql);
        }

        @Override
        public void execute(String sql) {
            executed.add(sql);
            if (sql.startsWith("CREATE TABLE IF NOT EXISTS `analytics`.`customers` (")) {
                tableColumns.put("id", "Int64");
                tableColumns.put("name", "Nullable(String)");
                tableColumns.put("total", "Nullable(Decimal(10, 2))");
                tableColumns.put("seen", "Nullable(DateTime('UTC'))");
                tableColumns.put("_version", "UInt64");
                tableColumns.put("_is_deleted", "UInt8");
            }
        }

        @Override
        public void insertTsv(String table, List<String> columns, byte[] tsv) {
            String text = new String(tsv, StandardCharsets.UTF_8);
            if (table.equals("customers__sluice_generations")) {
                assertThat(columns).containsExactly("generation", "subtask", "attempt");
                generationRows.add(text);
                return;
            }
            assertThat(table).isEqualTo("customers");
            assertThat(columns)
                    .containsExactly("id", "name", "total", "seen", "_version", "_is_deleted");
            if (failInserts != null) {
                throw failInserts;
            }
            inserts.add(text);
        }

        @Override
        public String database() {
            return "analytics";
        }

        @Override
        public ServerVersion serverVersion() {
            return ServerVersion.parse("18.16.1");
        }

        @Override
        public void close() {}
    }

    /** The sender's thread, run by hand. */
    private final ArrayDeque<Runnable> senderTasks = new ArrayDeque<>();

    private boolean senderRunsAtOnce = true;

    private final MailboxExecutor mailbox =
            new MailboxExecutor() {
                @Override
                public void execute(
                        MailOptions options,
                        ThrowingRunnable<? extends Exception> command,
                        String description,
                        Object... args) {}

                @Override
                public void yield() {
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
    private final List<Long> sleeps = new ArrayList<>();

    @BeforeEach
    void startAtZero() throws Exception {
        time.setCurrentTime(0);
    }

    private ClickHouseUpsertWriter writer(
            int subtask, int attempt, Collection<PendingBatch> restored) throws Exception {
        return new ClickHouseUpsertWriter(
                clickHouse,
                TABLE,
                new SinkSettings(3, INTERVAL_MS, 2, 100, 100),
                sleeps::add,
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
                                PendingBatch::rows,
                                100),
                subtask,
                attempt,
                restored);
    }

    private void runSender() {
        while (!senderTasks.isEmpty()) {
            senderTasks.poll().run();
        }
    }

    private static RowData row(RowKind kind, long id, String name, String total) {
        return GenericRowData.ofKind(
                kind,
                id,
                name == null ? null : StringData.fromString(name),
                total == null ? null : DecimalData.fromBigDecimal(new BigDecimal(total), 10, 2),
                TimestampData.fromEpochMillis(86_400_000L + 1_500));
    }

    private static long v(long generation, long sequence) {
        return (generation << 40) | sequence;
    }

    @Test
    void createsTheTableAndItsGenerationsTableAndRecordsTheFirstGeneration() throws Exception {
        ClickHouseUpsertWriter writer = writer(2, 0, List.of());

        assertThat(clickHouse.executed).hasSize(2);
        assertThat(clickHouse.executed.get(0))
                .isEqualTo(TABLE.createTableSql(clickHouse.serverVersion()));
        assertThat(clickHouse.executed.get(1))
                .startsWith(
                        "CREATE TABLE IF NOT EXISTS `analytics`.`customers__sluice_generations` (")
                .contains("generation UInt32")
                .contains("ENGINE = MergeTree()\nORDER BY generation");
        assertThat(writer.generation()).isEqualTo(1);
        assertThat(clickHouse.generationRows).containsExactly("1\t2\t0\n");
    }

    @Test
    void takesTheGenerationAfterTheHighestRecorded() throws Exception {
        clickHouse.highestGeneration = 41;
        ClickHouseUpsertWriter writer = writer(0, 3, List.of());
        assertThat(writer.generation()).isEqualTo(42);
        assertThat(clickHouse.generationRows).containsExactly("42\t0\t3\n");
    }

    @Test
    void withoutRecordedGenerationsTakesTheOneAfterTheTablesHighestVersion() throws Exception {
        // The side table is new or was dropped, while the table holds rows of generation 9.
        clickHouse.highestVersion = v(9, 12_345);
        assertThat(writer(0, 0, List.of()).generation()).isEqualTo(10);
    }

    @Test
    void writesEachChangeAsOneRowWithItsVersionAndDeletedMark() throws Exception {
        clickHouse.highestGeneration = 4;
        ClickHouseUpsertWriter writer = writer(0, 0, List.of());
        writer.write(row(RowKind.INSERT, 1, "Ann", "10.50"), null);
        writer.write(row(RowKind.UPDATE_BEFORE, 1, "Ann", "10.50"), null);
        writer.write(row(RowKind.UPDATE_AFTER, 1, "Ann\tB.", null), null);
        writer.write(row(RowKind.DELETE, 2, "Bob", "3.00"), null);
        writer.flush(false);

        assertThat(clickHouse.inserts)
                .containsExactly(
                        "1\tAnn\t10.50\t1970-01-02 00:00:01\t"
                                + v(5, 0)
                                + "\t0\n"
                                // -U: no row, no version
                                + "1\tAnn\\tB.\t\\N\t1970-01-02 00:00:01\t"
                                + v(5, 1)
                                + "\t0\n"
                                // -D: the key, NULL elsewhere, deleted
                                + "2\t\\N\t\\N\t\\N\t"
                                + v(5, 2)
                                + "\t1\n");
        assertThat(v(5, 0)).isEqualTo(5_497_558_138_880L);
    }

    @Test
    void aRestartWritesAboveEverythingBefore() throws Exception {
        ClickHouseUpsertWriter first = writer(0, 0, List.of());
        for (int i = 0; i < 3; i++) {
            first.write(row(RowKind.UPDATE_AFTER, 1, "run1-" + i, "1.00"), null);
        }
        first.close();
        clickHouse.highestGeneration = first.generation(); // as recorded by the first run
        ClickHouseUpsertWriter second = writer(0, 1, List.of());
        second.write(row(RowKind.UPDATE_AFTER, 1, "run2", "1.00"), null);
        second.flush(false);

        assertThat(clickHouse.inserts).hasSize(2);
        long lastOfFirst = versionOfLastRow(clickHouse.inserts.get(0));
        long firstOfSecond = versionOfLastRow(clickHouse.inserts.get(1));
        assertThat(lastOfFirst).isEqualTo(v(1, 2));
        assertThat(firstOfSecond).isEqualTo(v(2, 0));
        assertThat(Long.compareUnsigned(firstOfSecond, lastOfFirst)).isPositive();
    }

    private static long versionOfLastRow(String tsv) {
        String[] lines = tsv.split("\n");
        String[] fields = lines[lines.length - 1].split("\t");
        return Long.parseUnsignedLong(fields[fields.length - 2]);
    }

    @Test
    void sendsAFullBatchAtOnceAndTheRestEveryFlushInterval() throws Exception {
        ClickHouseUpsertWriter writer = writer(0, 0, List.of());
        for (long id = 1; id <= 4; id++) {
            writer.write(row(RowKind.INSERT, id, "n", "1.00"), null);
        }
        assertThat(clickHouse.inserts).hasSize(1); // batch-rows 3
        time.setCurrentTime(INTERVAL_MS);
        assertThat(clickHouse.inserts).hasSize(2);
        assertThat(clickHouse.inserts.get(1)).startsWith("4\t");
    }

    @Test
    void aCheckpointHoldsTheBatchesClickHouseHasNotTakenAndARestoredWriterSendsThemFirst()
            throws Exception {
        senderRunsAtOnce = false; // ClickHouse is slow
        ClickHouseUpsertWriter writer = writer(0, 0, List.of());
        writer.write(row(RowKind.INSERT, 1, "a", "1.00"), null);
        writer.write(row(RowKind.DELETE, 2, "b", "2.00"), null);
        writer.flush(false); // before the barrier: everything handed to the sender
        List<PendingBatch> state = writer.snapshotState(1);

        assertThat(clickHouse.inserts).isEmpty();
        assertThat(state).hasSize(1);
        assertThat(state.get(0).rows()).isEqualTo(2);
        String unwritten = new String(state.get(0).tsv(), StandardCharsets.UTF_8);
        senderTasks.clear(); // the task fails before ClickHouse took the batch

        senderRunsAtOnce = true;
        clickHouse.highestGeneration = 1;
        PendingBatch restored =
                new PendingBatch.Serializer()
                        .deserialize(1, new PendingBatch.Serializer().serialize(state.get(0)));
        ClickHouseUpsertWriter again = writer(0, 1, List.of(restored));
        again.write(row(RowKind.INSERT, 3, "c", "3.00"), null);
        again.flush(false);

        assertThat(clickHouse.inserts).hasSize(2);
        assertThat(clickHouse.inserts.get(0))
                .as("the restored batch, byte for byte, at the first run's versions")
                .isEqualTo(unwritten)
                .contains("\t" + v(1, 0) + "\t0\n")
                .contains("\t" + v(1, 1) + "\t1\n");
        assertThat(clickHouse.inserts.get(1)).contains("\t" + v(2, 0) + "\t0\n");
    }

    @Test
    void endOfInputWaitsUntilClickHouseHasEveryRow() throws Exception {
        senderRunsAtOnce = false;
        ClickHouseUpsertWriter writer = writer(0, 0, List.of());
        writer.write(row(RowKind.INSERT, 1, "a", "1.00"), null);
        writer.flush(true); // yields to the mailbox, which lets the sender write
        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(writer.snapshotState(2)).isEmpty();
    }

    @Test
    void aBatchThatFailsForGoodFailsTheWritersNextCall() throws Exception {
        senderRunsAtOnce = false;
        ClickHouseUpsertWriter writer = writer(0, 0, List.of());
        clickHouse.failInserts =
                new ClickHouseException("INSERT", 0, "connection refused", true, null);
        writer.write(row(RowKind.INSERT, 1, "a", "1.00"), null);
        writer.flush(false); // handed over; the sender has not run yet
        runSender(); // on its thread: retried twice, then failed for good

        assertThat(sleeps).containsExactly(100L, 200L); // sink.max-retries 2, doubling
        assertThatThrownBy(() -> writer.write(row(RowKind.INSERT, 2, "b", "1.00"), null))
                .isInstanceOf(ClickHouseException.class)
                .hasMessageContaining("connection refused");
        assertThatThrownBy(() -> writer.snapshotState(1))
                .as("no checkpoint completes past a lost batch")
                .isInstanceOf(ClickHouseException.class);
    }

    @Test
    void refusesAnExistingTableThatDoesNotFit() {
        clickHouse.tableColumns.put("id", "String");
        clickHouse.tableColumns.put("name", "String");
        assertThatThrownBy(() -> writer(0, 0, List.of()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("`analytics`.`customers` exists but does not fit")
                .hasMessageContaining("column `id` is String, the sink writes Int64")
                .hasMessageContaining("it has no column `total`");
        assertThat(clickHouse.executed).as("nothing created, no generation taken").isEmpty();
        assertThat(clickHouse.generationRows).isEmpty();
    }
}
