package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's flush paths without a server: a batch is inserted when it is full, when the flush
 * interval passes on the processing-time service, and when Flink flushes before a barrier. The
 * writer's statements go to a fake ClickHouse that records each insert.
 */
class ClickHouseSinkWriterTest {
    private static final TableId ACCOUNTS = new TableId("public", "accounts");
    private static final long INTERVAL_MS = 1_000;

    /** Holds one table, {@code accounts}, and records the inserts into it. */
    private static final class FakeClickHouse implements ClickHouseStatements {
        final List<String> inserts = new ArrayList<>();

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
            throw new AssertionError("the writer runs no other statement: " + sql);
        }

        @Override
        public void insertTsv(String table, List<String> columns, byte[] tsv) {
            assertThat(table).isEqualTo("accounts");
            inserts.add(new String(tsv, StandardCharsets.UTF_8));
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

    private final FakeClickHouse clickHouse = new FakeClickHouse();
    private final TestProcessingTimeService time = new TestProcessingTimeService();
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
        SluiceConfig config =
                SluiceConfig.of(v)
                        .with(ClickHouseSinkOptions.BATCH_ROWS, 3)
                        .with(ClickHouseSinkOptions.FLUSH_INTERVAL, Duration.ofMillis(INTERVAL_MS));
        writer =
                new ClickHouseSinkWriter(
                        clickHouse,
                        config,
                        ROUTING,
                        time,
                        UnregisteredMetricsGroup.createSinkWriterMetricGroup());
    }

    private void write(long id) {
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
    void aFullBatchIsInsertedAtOnce() {
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
    void flushBeforeABarrierInsertsWhatIsBuffered() {
        write(1);
        write(2);

        writer.flush(false);

        assertThat(clickHouse.inserts).hasSize(1);
        assertThat(ids(clickHouse.inserts.get(0))).containsExactly(1L, 2L);
        writer.flush(false);
        assertThat(clickHouse.inserts).hasSize(1); // nothing left to insert
    }
}
