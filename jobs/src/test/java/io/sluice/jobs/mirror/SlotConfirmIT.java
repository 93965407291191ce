package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.testkit.TestPostgres;
import io.sluice.testkit.TestServers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Guards the pin of the Postgres JDBC driver (pgjdbc) to 42.6.x in the parent pom: with the driver
 * on the test classpath, a logical replication client that never flushes must never see its slot
 * confirmed past a captured transaction it has received.
 *
 * <p>Flink CDC (Debezium 1.9) reads the slot through pgjdbc's {@link PGReplicationStream} and
 * reports a position as flushed only when a Flink checkpoint that covers it completes; between
 * checkpoints it flushes nothing, and a restore from the last checkpoint restarts the stream from
 * that checkpoint's LSN. pgjdbc 42.7.0 (PR #2941) added an automatic flush on server keepalives:
 * when the flush position last sent to the server is at or past the start of the last message
 * received, a keepalive moves the flushed position to the server's WAL position. The position
 * "sent" includes earlier automatic advances, so a client that never flushes is advanced during
 * idle periods past the changes of a transaction still open on the server. When that transaction
 * (A) commits after a short one (T1) the client has received, A's changes arrive with LSNs below
 * that position, and a keepalive read among them confirms the slot at the server's position: past
 * T1's commit. Postgres then never sends T1 again, so a restore from a checkpoint older than T1
 * loses it. Debezium turned the feature off upstream (DBZ-7533); 42.6.x reports only what the
 * client flushes.
 *
 * <p>The test plays the client Flink CDC is, with the driver the project ships: pgoutput over a
 * publication, {@code forceUpdateStatus()} where Debezium's keep-alive thread sends one, and no
 * flush ever. Then: A writes {@value #A_ROWS} captured rows and stays open; unrelated writes; T1
 * inserts one captured row and commits; A commits while the client is not reading (backpressure),
 * and a status update arrives meanwhile; the client reads the rest. It asserts the slot's {@code
 * confirmed_flush_lsn} is not past T1's commit, and that a replay from the original start LSN (a
 * restore) still delivers T1.
 *
 * <p>Timing comes from the server's own keepalives, not from timeouts or fixed sleeps. The
 * walsender sends a keepalive with its WAL position whenever it has caught up with WAL the client
 * has not acknowledged (the idle advance), and at once in answer to a status update that asks for a
 * reply, as {@code forceUpdateStatus()} does: sent while the walsender is blocked on the client's
 * full socket in the middle of A, that answer is queued among A's changes, where the client reads
 * it. The status update is sent only once {@code pg_stat_activity} shows the walsender blocked, and
 * the client reads on only once {@code pg_stat_replication.reply_time} shows the update processed.
 * {@code wal_sender_timeout} is left alone: its keepalives come only after half the timeout without
 * a word from the client, whose status updates keep resetting it, and a client paused longer than
 * the timeout is cut off. The client's receive buffer is small, so the socket fills after a few
 * megabytes of A's twenty. Every wait polls a condition with a deadline.
 */
class SlotConfirmIT {
    private static final Logger LOG = LoggerFactory.getLogger(SlotConfirmIT.class);

    /** About 20 MB of pgoutput messages: far more than the socket buffers hold. */
    private static final int A_ROWS = 20_000;

    private static final Duration STEP = Duration.ofSeconds(20);

    @Test
    void theSlotIsNotConfirmedPastAReceivedTransactionTheClientHasNotFlushed() throws Exception {
        TestPostgres pg = TestServers.get().postgres();
        String db = pg.newDatabase("slotconfirm");
        String slot = db; // unique on the shared server, as database names are
        try (Connection sql =
                        DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password());
                Connection a =
                        DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), pg.password())) {
            try (Statement st = sql.createStatement()) {
                st.execute("CREATE TABLE captured (id int PRIMARY KEY, payload text)");
                st.execute("CREATE TABLE unrelated (id bigserial PRIMARY KEY, payload text)");
                st.execute("CREATE PUBLICATION " + slot + " FOR TABLE captured");
            }
            long start;
            try (PreparedStatement ps =
                    sql.prepareStatement(
                            "SELECT (lsn - '0/0')::bigint FROM"
                                    + " pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    start = rs.getLong(1);
                }
            }
            try {
                Reader reader = new Reader(pg, db, slot, start);
                Commit t1;
                Commit aCommit;
                long confirmed;
                try {
                    // A: a long transaction on the captured table, written now, committed last.
                    a.setAutoCommit(false);
                    try (Statement st = a.createStatement()) {
                        st.execute(
                                "INSERT INTO captured SELECT g, repeat(md5(g::text), 32)"
                                        + " FROM generate_series(1, "
                                        + A_ROWS
                                        + ") g");
                    }
                    long aWritten = lsnOf(a, "SELECT (pg_current_wal_lsn() - '0/0')::bigint");

                    // Unrelated writes until a keepalive has told the client of WAL past A's
                    // changes, then the status update Debezium's keep-alive thread sends.
                    long deadline = deadline(STEP);
                    while (reader.stream.getLastReceiveLSN().asLong() <= aWritten) {
                        execute(sql, "INSERT INTO unrelated (payload) VALUES ('unrelated')");
                        reader.drain();
                        check(deadline, "a keepalive past the open transaction's changes");
                        Thread.sleep(20); // polling the stream for the keepalive, with a deadline
                    }
                    reader.stream.forceUpdateStatus();

                    // T1: one captured row, committed while A is open; the client receives it.
                    execute(sql, "INSERT INTO captured VALUES (-1, 'T1')");
                    reader.readUntil(() -> reader.commits.size() == 1, "T1's commit");
                    t1 = reader.commits.get(0);
                    assertThat(reader.ids).as("rows received with T1").containsExactly(-1);

                    // A commits while the client does not read: the walsender blocks on the full
                    // socket in the middle of A. A status update (reply requested) is answered by a
                    // keepalive queued among A's changes.
                    a.commit();
                    int walsender = walsenderBlockedOnWrite(sql, slot);
                    String replied = replyTime(sql, walsender);
                    reader.stream.forceUpdateStatus();
                    awaitReplyAfter(sql, walsender, replied);

                    reader.readUntil(() -> reader.commits.size() == 2, "A's commit");
                    aCommit = reader.commits.get(1);
                    assertThat(reader.ids).as("rows received").hasSize(1 + A_ROWS);

                    // The keep-alive thread's next status update; then what the slot confirms.
                    replied = replyTime(sql, walsender);
                    reader.stream.forceUpdateStatus();
                    awaitReplyAfter(sql, walsender, replied);
                    confirmed = confirmedFlush(sql, slot);
                    LOG.info(
                            "start {}, T1 commit {} (end {}), A commit {} (end {}), client flushed {},"
                                    + " slot confirmed {}",
                            lsn(start),
                            lsn(t1.lsn),
                            lsn(t1.end),
                            lsn(aCommit.lsn),
                            lsn(aCommit.end),
                            reader.stream.getLastFlushedLSN(),
                            lsn(confirmed));
                } finally {
                    reader.close();
                }

                // A restore from a checkpoint taken before T1: stream again from the start.
                awaitInactive(sql, slot);
                boolean t1Replayed;
                int replayed;
                try (Reader r = new Reader(pg, db, slot, start)) {
                    r.readUntil(
                            () -> r.stream.getLastReceiveLSN().asLong() >= aCommit.end,
                            "the replay to reach A's commit");
                    t1Replayed = r.ids.contains(-1);
                    replayed = r.ids.size();
                }
                LOG.info(
                        "replay from {}: {} rows, T1 among them: {}",
                        lsn(start),
                        replayed,
                        t1Replayed);

                SoftAssertions softly = new SoftAssertions();
                softly.assertThat(confirmed)
                        .as(
                                "the slot's confirmed_flush_lsn %s must not pass T1's commit %s:"
                                        + " the client received T1 but never flushed it"
                                        + " (pgjdbc 42.7.x flushes on keepalives, DBZ-7533)",
                                lsn(confirmed), lsn(t1.lsn))
                        .isLessThanOrEqualTo(t1.lsn);
                softly.assertThat(t1Replayed)
                        .as(
                                "a replay from the start LSN %s delivers T1 (row -1); rows"
                                        + " replayed: %d",
                                lsn(start), replayed)
                        .isTrue();
                softly.assertAll();
            } finally {
                if (!a.getAutoCommit()) {
                    a.rollback(); // A is still open when the test failed before its commit
                }
                awaitInactive(sql, slot);
                try (PreparedStatement ps =
                        sql.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
                    ps.setString(1, slot);
                    ps.execute();
                }
            }
        }
    }

    /** A commit message of pgoutput: the commit record's LSN and the end of the transaction. */
    private record Commit(long lsn, long end) {}

    /**
     * A replication client as Flink CDC's Debezium is one: pgoutput (protocol 1) over the
     * publication, a 10 s status interval (Debezium's default), one forced status update at start,
     * no flush. Read from the test thread only, so the test decides when it reads.
     */
    private static final class Reader implements AutoCloseable {
        final Connection connection;
        final PGReplicationStream stream;
        final List<Integer> ids = new ArrayList<>();
        final List<Commit> commits = new ArrayList<>();

        Reader(TestPostgres pg, String db, String slot, long start) throws SQLException {
            Properties p = new Properties();
            PGProperty.USER.set(p, pg.user());
            PGProperty.PASSWORD.set(p, pg.password());
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
            PGProperty.REPLICATION.set(p, "database");
            PGProperty.PREFER_QUERY_MODE.set(p, "simple");
            // A small receive buffer (no autotuning) so a client that does not read stops the
            // walsender after a few megabytes.
            PGProperty.RECEIVE_BUFFER_SIZE.set(p, 65536);
            connection = DriverManager.getConnection(pg.jdbcUrl(db), p);
            try {
                stream =
                        connection
                                .unwrap(PGConnection.class)
                                .getReplicationAPI()
                                .replicationStream()
                                .logical()
                                .withSlotName(slot)
                                .withSlotOption("proto_version", 1)
                                .withSlotOption("publication_names", slot)
                                .withStatusInterval(10, TimeUnit.SECONDS)
                                .withStartPosition(LogSequenceNumber.valueOf(start))
                                .start();
                // As Debezium's PostgresReplicationConnection does once the stream has started.
                stream.forceUpdateStatus();
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }

        /** Reads every message pending now. */
        void drain() throws SQLException {
            ByteBuffer message;
            while ((message = stream.readPending()) != null) {
                handle(message);
            }
        }

        void readUntil(BooleanSupplier done, String what) throws Exception {
            long deadline = deadline(STEP);
            while (true) {
                drain();
                if (done.getAsBoolean()) {
                    return;
                }
                check(deadline, what);
                Thread.sleep(10); // polling the stream, as Debezium does, with a deadline
            }
        }

        private void handle(ByteBuffer m) {
            switch (m.get()) {
                case 'I' -> { // Insert: relation id, 'N', column count, then 't', length, text
                    m.getInt();
                    m.get();
                    m.getShort();
                    if (m.get() == 't') {
                        byte[] text = new byte[m.getInt()];
                        m.get(text);
                        ids.add(Integer.parseInt(new String(text, StandardCharsets.UTF_8)));
                    }
                }
                case 'C' -> { // Commit: flags, commit LSN, end LSN, timestamp
                    m.get();
                    commits.add(new Commit(m.getLong(), m.getLong()));
                }
                default -> {} // Begin, Relation, Type, ...
            }
        }

        @Override
        public void close() throws SQLException {
            try {
                stream.close();
            } catch (SQLException e) {
                LOG.warn("cannot stop the replication stream: {}", e.getMessage());
            } finally {
                connection.close();
            }
        }
    }

    /** Waits until the slot's walsender waits to write: the client's socket is full. */
    private static int walsenderBlockedOnWrite(Connection sql, String slot) throws Exception {
        long deadline = deadline(STEP);
        while (true) {
            try (PreparedStatement ps =
                    sql.prepareStatement(
                            "SELECT s.active_pid, a.wait_event FROM pg_replication_slots s"
                                    + " JOIN pg_stat_activity a ON a.pid = s.active_pid"
                                    + " WHERE s.slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && "WalSenderWriteData".equals(rs.getString(2))) {
                        return rs.getInt(1);
                    }
                }
            }
            check(deadline, "the walsender to block on the client's full socket while sending A");
            Thread.sleep(10); // polling the walsender's wait event, with a deadline
        }
    }

    /** The time in the walsender's last status update from the client (the client's clock). */
    private static String replyTime(Connection sql, int walsender) throws SQLException {
        try (PreparedStatement ps =
                sql.prepareStatement(
                        "SELECT reply_time::text FROM pg_stat_replication WHERE pid = ?")) {
            ps.setInt(1, walsender);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Waits until the walsender has processed a status update newer than {@code before}: it has
     * then answered it and applied its flush position.
     */
    private static void awaitReplyAfter(Connection sql, int walsender, String before)
            throws Exception {
        long deadline = deadline(STEP);
        while (Objects.equals(replyTime(sql, walsender), before)) {
            check(deadline, "the walsender to process the client's status update");
            Thread.sleep(10); // polling pg_stat_replication, with a deadline
        }
    }

    private static void awaitInactive(Connection sql, String slot) throws Exception {
        long deadline = deadline(STEP);
        while (true) {
            try (PreparedStatement ps =
                    sql.prepareStatement(
                            "SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, slot);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        return;
                    }
                }
            }
            check(deadline, "the slot's walsender to exit");
            Thread.sleep(20); // polling the slot, with a deadline
        }
    }

    private static long confirmedFlush(Connection sql, String slot) throws SQLException {
        try (PreparedStatement ps =
                sql.prepareStatement(
                        "SELECT (confirmed_flush_lsn - '0/0')::bigint FROM pg_replication_slots"
                                + " WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long lsnOf(Connection c, String query) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(Connection c, String statement) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(statement);
        }
    }

    private static String lsn(long lsn) {
        return LogSequenceNumber.valueOf(lsn).asString();
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    private static void check(long deadline, String what) {
        if (System.nanoTime() > deadline) {
            throw new AssertionError("timed out after " + STEP + " waiting for " + what);
        }
    }
}
