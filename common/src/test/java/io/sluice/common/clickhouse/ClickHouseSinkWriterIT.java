package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.runtime.tasks.TestProcessingTimeService;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The sink against a real ClickHouse: rows land as written, an untouched TOAST column keeps the
 * value ClickHouse holds, a rejected statement fails with the statement and the server's own
 * message, and a connection that drops is retried. Each test runs on both ClickHouse engines: the
 * 18.16 server and the 26.7 engine.
 */
class ClickHouseSinkWriterIT {
    private static final TableId ACCOUNTS = new TableId("public", "accounts");
    private static final Map<ClickHouseEngine, TestClickHouse> SERVERS =
            new EnumMap<>(ClickHouseEngine.class);
    private static final Map<ClickHouseEngine, String> DATABASES =
            new EnumMap<>(ClickHouseEngine.class);

    /** The ClickHouse of this test (the database and table made on first use); says which. */
    private TestClickHouse clickHouse;

    private String db;

    private void use(ClickHouseEngine engine, TestInfo test) {
        synchronized (SERVERS) {
            if (!SERVERS.containsKey(engine)) {
                TestClickHouse ch = TestServers.get().clickhouse(engine);
                String name = ch.newDatabase("sink");
                ch.query(
                        "CREATE TABLE "
                                + name
                                + ".accounts (id Int64, name String, balance Nullable(Decimal(10, 2)),"
                                + " bio Nullable(String), _version UInt64, _is_deleted UInt8,"
                                + " _lsn UInt64) ENGINE = ReplacingMergeTree(_version) ORDER BY id");
                SERVERS.put(engine, ch);
                DATABASES.put(engine, name);
            }
            clickHouse = SERVERS.get(engine);
            db = DATABASES.get(engine);
        }
        System.out.println(
                "ClickHouseSinkWriterIT."
                        + test.getTestMethod().map(m -> m.getName()).orElse("?")
                        + " on "
                        + clickHouse.describe());
    }

    private SluiceConfig config(String url) {
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.DATABASE.key(), "unused");
        v.put(PostgresSourceOptions.USER.key(), "unused");
        v.put(PostgresSourceOptions.TABLES.key(), List.of("accounts"));
        v.put(ClickHouseSinkOptions.URL.key(), url);
        v.put(ClickHouseSinkOptions.DATABASE.key(), db);
        v.put(ClickHouseSinkOptions.USER.key(), clickHouse.user());
        v.put(ClickHouseSinkOptions.PASSWORD.key(), clickHouse.password());
        v.put(ClickHouseSinkOptions.RETRY_BACKOFF.key(), Duration.ofMillis(10));
        return SluiceConfig.of(v);
    }

    /** Routes every table to the ClickHouse table of the given name, keyed by id. */
    private static TableRouting routingTo(String table) {
        return new TableRouting() {
            @Override
            public String clickHouseTable(TableId t) {
                return table;
            }

            @Override
            public List<String> keyColumns(TableId t) {
                return List.of("id");
            }

            @Override
            public Set<String> addColumns(ClickHouseSchema schema, TableId t, Set<String> missing) {
                return Set.of();
            }
        };
    }

    private ClickHouseSinkWriter writer(String url, String table) throws InterruptedException {
        return new ClickHouseSinkWriter(
                config(url),
                routingTo(table),
                new TestProcessingTimeService(),
                UnregisteredMetricsGroup.createSinkWriterMetricGroup());
    }

    private static ChangeRecord row(
            ChangeRecord.Op op, long id, String name, String balance, String bio, long lsn) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", id);
        values.put("name", name);
        values.put("balance", balance == null ? null : new java.math.BigDecimal(balance));
        Set<String> unchanged = Set.of();
        if ("<unchanged>".equals(bio)) {
            unchanged = Set.of("bio");
        } else {
            values.put("bio", bio);
        }
        return new ChangeRecord(ACCOUNTS, op, values, unchanged, lsn);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void writesVersionsAndKeepsUntouchedToastValues(ClickHouseEngine engine, TestInfo test)
            throws Exception {
        use(engine, test);
        try (ClickHouseSinkWriter w = writer(clickHouse.url(), "accounts")) {
            w.write(row(ChangeRecord.Op.SNAPSHOT, 1, "ann", "10.50", "long bio of ann", 0), null);
            w.write(row(ChangeRecord.Op.SNAPSHOT, 2, "bob", null, "bob's\ttab", 0), null);
            w.write(row(ChangeRecord.Op.SNAPSHOT, 3, "cy", "1.00", "gone soon", 0), null);
            w.flush(false);
            // Next batch: the untouched bio of 1 comes from ClickHouse, that of 2 from this batch.
            w.write(row(ChangeRecord.Op.UPDATE, 1, "ann", "11.50", "<unchanged>", 100), null);
            w.write(row(ChangeRecord.Op.UPDATE, 2, "bob", "2.00", "new bio", 110), null);
            w.write(row(ChangeRecord.Op.UPDATE, 2, "bobby", "2.00", "<unchanged>", 120), null);
            w.write(row(ChangeRecord.Op.DELETE, 3, null, null, null, 130), null);
            // A replay of an older change (same LSN as before) cannot win over a newer one.
            w.write(row(ChangeRecord.Op.UPDATE, 1, "ann", "10.50", "long bio of ann", 0), null);
            w.flush(false);
        }
        assertThat(
                        clickHouse.query(
                                "SELECT id, name, balance, bio FROM "
                                        + db
                                        + ".accounts FINAL WHERE NOT _is_deleted AND id <= 3 ORDER BY id"))
                .isEqualTo(
                        "1\tann\t"
                                + decimal(engine, "11.50")
                                + "\tlong bio of ann\n2\tbobby\t"
                                + decimal(engine, "2.00")
                                + "\tnew bio\n");
        assertThat(
                        clickHouse.query(
                                "SELECT id, _is_deleted, _version FROM "
                                        + db
                                        + ".accounts FINAL WHERE id = 3"))
                .isEqualTo("3\t1\t130\n");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void fillsUntouchedToastValuesOfManyRowsInOneBatch(ClickHouseEngine engine, TestInfo test)
            throws Exception {
        use(engine, test);
        int n = 3 * PendingFields.KEYS_PER_LOOKUP + 7; // several lookup queries
        try (ClickHouseSinkWriter w = writer(clickHouse.url(), "accounts")) {
            for (int i = 0; i < n; i++) {
                w.write(
                        row(
                                ChangeRecord.Op.SNAPSHOT,
                                10_000 + i,
                                "n" + i,
                                null,
                                "bio " + i + " " + "x".repeat(300),
                                0),
                        null);
            }
            w.flush(false);
            for (int i = 0; i < n; i++) {
                w.write(
                        row(
                                ChangeRecord.Op.UPDATE,
                                10_000 + i,
                                "renamed" + i,
                                "1.00",
                                "<unchanged>",
                                1000 + i),
                        null);
            }
            w.flush(false);
        }
        // Every row kept its own bio: the bio's number matches the row's.
        assertThat(
                        clickHouse.query(
                                "SELECT count() FROM "
                                        + db
                                        + ".accounts FINAL WHERE id >= 10000 AND id < 20000"
                                        + " AND name = concat('renamed', toString(id - 10000))"
                                        + " AND startsWith(bio, concat('bio ', toString(id - 10000), ' '))"))
                .isEqualTo(n + "\n");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void flushesWhenTheBatchIsFullAndWhenTheIntervalPasses(ClickHouseEngine engine, TestInfo test)
            throws Exception {
        use(engine, test);
        SluiceConfig base = config(clickHouse.url());
        TestProcessingTimeService time = new TestProcessingTimeService();
        time.setCurrentTime(0); // its clock starts at Long.MIN_VALUE
        try (ClickHouseSinkWriter w =
                new ClickHouseSinkWriter(
                        base.with(ClickHouseSinkOptions.BATCH_ROWS, 2)
                                .with(ClickHouseSinkOptions.FLUSH_INTERVAL, Duration.ofSeconds(1)),
                        routingTo("accounts"),
                        time,
                        UnregisteredMetricsGroup.createSinkWriterMetricGroup())) {
            w.write(row(ChangeRecord.Op.INSERT, 201, "a", null, null, 1), null);
            assertThat(count("id BETWEEN 201 AND 203")).isEqualTo("0");
            w.write(row(ChangeRecord.Op.INSERT, 202, "b", null, null, 2), null);
            assertThat(count("id BETWEEN 201 AND 203"))
                    .as("batch of 2 rows is full")
                    .isEqualTo("2");
            w.write(row(ChangeRecord.Op.INSERT, 203, "c", null, null, 3), null);
            time.setCurrentTime(999);
            assertThat(count("id BETWEEN 201 AND 203")).isEqualTo("2");
            time.setCurrentTime(1_000);
            assertThat(count("id BETWEEN 201 AND 203")).as("flush interval passed").isEqualTo("3");
        }
    }

    /**
     * A Decimal as the server writes it: 18.16 keeps the scale's trailing zeros ({@code 2.00});
     * since 21.9 ClickHouse drops them ({@code 2}) unless output_format_decimal_trailing_zeros=1, a
     * setting 18.16 does not know.
     */
    private static String decimal(ClickHouseEngine engine, String value) {
        return engine == ClickHouseEngine.LEGACY
                ? value
                : new java.math.BigDecimal(value).stripTrailingZeros().toPlainString();
    }

    private String count(String where) {
        return clickHouse.query("SELECT count() FROM " + db + ".accounts WHERE " + where).strip();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void aRowTheServerRefusesIsADeadLetterWithItsReasonAndTheOthersAreWritten(
            ClickHouseEngine engine, TestInfo test) throws Exception {
        use(engine, test);
        try (ClickHouseSinkWriter w = writer(clickHouse.url(), "accounts")) {
            for (long id = 101; id <= 105; id++) {
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("id", id);
                values.put("name", "jane.doe" + id + "@example.com");
                // A number, so the writer sends it, but too many digits for Decimal(10, 2): the
                // server refuses the row.
                values.put(
                        "balance",
                        new java.math.BigDecimal(id == 103 ? "12345678901234567.25" : "1.25"));
                values.put("bio", null);
                w.write(
                        new ChangeRecord(ACCOUNTS, ChangeRecord.Op.INSERT, values, Set.of(), id),
                        null);
            }
            w.flush(true);
        }
        assertThat(count("id BETWEEN 101 AND 105")).isEqualTo("4");
        assertThat(count("id = 103")).isEqualTo("0");
        String letter =
                clickHouse
                        .query(
                                "SELECT source_table, row_key, _lsn, op, reason FROM "
                                        + db
                                        + "."
                                        + MirrorDeadLetters.TABLE
                                        + " FINAL WHERE row_key = '103'")
                        .strip();
        assertThat(letter).startsWith("public.accounts\t103\t103\tinsert\tClickHouse refused");
        assertThat(letter).doesNotContain("12345678901234567").doesNotContain("jane.doe");
        // The raw row is kept for whoever mends it (after PII hashing, upstream of the sink).
        assertThat(
                        clickHouse.query(
                                "SELECT raw_row FROM "
                                        + db
                                        + "."
                                        + MirrorDeadLetters.TABLE
                                        + " WHERE row_key = '103'"))
                .contains("12345678901234567.25");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void aMissingTableFailsWithTheServersMessage(ClickHouseEngine engine, TestInfo test)
            throws Exception {
        use(engine, test);
        try (ClickHouseSinkWriter w = writer(clickHouse.url(), "no_such_table")) {
            assertThatThrownBy(
                            () -> w.write(row(ChangeRecord.Op.INSERT, 9, "z", null, null, 1), null))
                    .isInstanceOfSatisfying(
                            ClickHouseException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining(db + ".no_such_table does not exist");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void aColumnTheSourceGainedIsAddedAndAddingItAgainAfterAFailoverIsHarmless(
            ClickHouseEngine engine, TestInfo test) throws Exception {
        use(engine, test);
        clickHouse.query(
                "CREATE TABLE "
                        + db
                        + ".evolving (id Int64, name String, _version UInt64, _is_deleted UInt8,"
                        + " _lsn UInt64) ENGINE = ReplacingMergeTree(_version) ORDER BY id");
        String alter = "ALTER TABLE `" + db + "`.`evolving` ADD COLUMN `nickname` Nullable(String)";
        TableRouting evolving =
                new TableRouting() {
                    @Override
                    public String clickHouseTable(TableId t) {
                        return "evolving";
                    }

                    @Override
                    public List<String> keyColumns(TableId t) {
                        return List.of("id");
                    }

                    @Override
                    public Set<String> addColumns(
                            ClickHouseSchema schema, TableId t, Set<String> missing) {
                        assertThat(missing).containsExactly("nickname");
                        return schema.addColumn(db, "evolving", "nickname", alter)
                                ? Set.of("nickname")
                                : Set.of();
                    }
                };
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("id", 1L);
        values.put("name", "ann");
        values.put("nickname", "annie");
        ChangeRecord gainedAColumn =
                new ChangeRecord(ACCOUNTS, ChangeRecord.Op.UPDATE, values, Set.of(), 700);
        try (ClickHouseSinkWriter w =
                new ClickHouseSinkWriter(
                        config(clickHouse.url()),
                        evolving,
                        new TestProcessingTimeService(),
                        UnregisteredMetricsGroup.createSinkWriterMetricGroup())) {
            w.write(gainedAColumn, null);
            w.flush(false);
        }
        // The run after a failover replays the ALTER: the table has the column, nothing changes.
        try (ClickHouseConnection connection =
                new ClickHouseConnection(
                        clickHouse.url(), clickHouse.user(), clickHouse.password(), db)) {
            assertThat(
                            new ClickHouseSchema(connection)
                                    .addColumn(db, "evolving", "nickname", alter))
                    .isTrue();
        }
        assertThat(
                        clickHouse.query(
                                "SELECT name, type FROM system.columns WHERE database = '"
                                        + db
                                        + "' AND table = 'evolving' AND name = 'nickname'"))
                .isEqualTo("nickname\tNullable(String)\n");
        assertThat(clickHouse.query("SELECT id, nickname FROM " + db + ".evolving FINAL"))
                .isEqualTo("1\tannie\n");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ClickHouseEngine.class)
    void droppedConnectionsAreRetried(ClickHouseEngine engine, TestInfo test) throws Exception {
        use(engine, test);
        URI target = URI.create(clickHouse.url());
        try (FlakyProxy proxy = new FlakyProxy(target.getHost(), target.getPort(), 3);
                ClickHouseSinkWriter w = writer("http://127.0.0.1:" + proxy.port(), "accounts")) {
            w.write(row(ChangeRecord.Op.INSERT, 42, "retried", "4.20", "b", 500), null);
            w.flush(false);
            assertThat(proxy.dropped.get()).isEqualTo(3);
        }
        assertThat(clickHouse.query("SELECT name FROM " + db + ".accounts FINAL WHERE id = 42"))
                .isEqualTo("retried\n");
    }

    /** A TCP proxy that drops its first {@code failures} connections, then forwards. */
    static final class FlakyProxy implements AutoCloseable {
        final AtomicInteger dropped = new AtomicInteger();
        private final ServerSocket server;
        private final Thread acceptor;

        FlakyProxy(String host, int port, int failures) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            acceptor =
                    new Thread(
                            () -> {
                                while (!server.isClosed()) {
                                    try {
                                        Socket client = server.accept();
                                        if (dropped.get() < failures) {
                                            dropped.incrementAndGet();
                                            client.setSoLinger(true, 0);
                                            client.close();
                                            continue;
                                        }
                                        Socket upstream = new Socket(host, port);
                                        pipe(
                                                client.getInputStream(),
                                                upstream.getOutputStream(),
                                                upstream);
                                        pipe(
                                                upstream.getInputStream(),
                                                client.getOutputStream(),
                                                client);
                                    } catch (IOException e) {
                                        return; // closed
                                    }
                                }
                            },
                            "flaky-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pipe(InputStream in, OutputStream out, Socket closeAfter) {
            Thread t =
                    new Thread(
                            () -> {
                                try (closeAfter) {
                                    in.transferTo(out);
                                } catch (IOException e) {
                                    // the other side closed: the connection is over
                                }
                            },
                            "flaky-proxy-pipe");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
