package io.sluice.jobs.analytics.backfill;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.connector.base.source.reader.RecordsBySplits;
import org.apache.flink.connector.base.source.reader.RecordsWithSplitIds;
import org.apache.flink.connector.base.source.reader.splitreader.SplitReader;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsAddition;
import org.apache.flink.connector.base.source.reader.splitreader.SplitsChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads chunks on the reader's fetcher thread (JDBC blocks there, not on the task thread): one
 * cursor per chunk ({@code SELECT * ... WHERE occurred_at >= ? AND occurred_at < ?}, 5,000 rows a
 * round trip, in one read-only transaction), in {@code (occurred_at, event id)} order so that a
 * chunk resumed from a checkpoint goes on after its last emitted row. Rows get the value types the
 * CDC source gives, and the run's version. A chunk ends with an end row.
 */
public final class ChunkFetcher implements SplitReader<ChunkFetcher.Row, ChunkSplit> {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkFetcher.class);
    private static final int BATCH = 1_000;

    /** A row with its key as Postgres prints it; {@code change == null}: the chunk's end. */
    record Row(ChangeRecord change, String occurredAt, String eventId) {}

    private final SluiceConfig config;
    private final TableId table;
    private final String occurredAt;
    private final String eventId;
    private final long version;
    private final Deque<ChunkSplit> splits = new ArrayDeque<>();

    private Connection connection;
    private ChunkSplit current;
    private PreparedStatement statement;
    private ResultSet rows;
    private String[] names;
    private String[] types;
    private long read;

    ChunkFetcher(
            SluiceConfig config, TableId table, String occurredAt, String eventId, long version) {
        this.config = config;
        this.table = table;
        this.occurredAt = occurredAt;
        this.eventId = eventId;
        this.version = version;
    }

    @Override
    public RecordsWithSplitIds<Row> fetch() throws IOException {
        RecordsBySplits.Builder<Row> batch = new RecordsBySplits.Builder<>();
        try {
            if (current == null) {
                current = splits.poll();
                if (current == null) {
                    return batch.build();
                }
                open(current);
            }
            for (int i = 0; i < BATCH; i++) {
                if (!rows.next()) {
                    finish(batch);
                    break;
                }
                batch.add(current, row());
            }
            return batch.build();
        } catch (SQLException e) {
            throw new IOException("reading " + current + " of " + table + " failed", e);
        }
    }

    private void open(ChunkSplit split) throws SQLException {
        if (connection == null) {
            connection = PostgresCatalog.openConnection(config);
            connection.setReadOnly(true);
            connection.setAutoCommit(false); // a cursor: rows stream in fetch-size batches
        }
        // Qualified: the key's text columns below would otherwise share the names in ORDER BY.
        String occ = "e." + PostgresCatalog.quote(occurredAt);
        String id = "e." + PostgresCatalog.quote(eventId);
        // The key is selected as text last: Postgres parses it back exactly, whatever its types.
        statement =
                connection.prepareStatement(
                        "SELECT e.*, "
                                + occ
                                + "::text, "
                                + id
                                + "::text FROM "
                                + PostgresCatalog.quote(table.schema())
                                + "."
                                + PostgresCatalog.quote(table.table())
                                + " AS e WHERE "
                                + occ
                                + " >= ? AND "
                                + occ
                                + " < ?"
                                + (split.resumes() ? " AND (" + occ + ", " + id + ") > (?, ?)" : "")
                                + " ORDER BY "
                                + occ
                                + ", "
                                + id);
        statement.setFetchSize(5_000);
        statement.setTimestamp(1, Timestamp.from(Instant.ofEpochMilli(split.startMs)));
        statement.setTimestamp(2, Timestamp.from(Instant.ofEpochMilli(split.endMs)));
        if (split.resumes()) {
            statement.setObject(3, split.afterOccurredAt, Types.OTHER);
            statement.setObject(4, split.afterEventId, Types.OTHER);
        }
        rows = statement.executeQuery();
        int columns = rows.getMetaData().getColumnCount() - 2;
        names = new String[columns + 1];
        types = new String[columns + 1];
        for (int i = 1; i <= columns; i++) {
            names[i] = rows.getMetaData().getColumnName(i);
            types[i] = rows.getMetaData().getColumnTypeName(i);
        }
        read = 0;
    }

    private Row row() throws SQLException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 1; i < names.length; i++) {
            values.put(names[i], value(rows, i, types[i]));
        }
        read++;
        return new Row(
                new ChangeRecord(table, ChangeRecord.Op.SNAPSHOT, values, Set.of(), version),
                rows.getString(names.length),
                rows.getString(names.length + 1));
    }

    private void finish(RecordsBySplits.Builder<Row> batch) throws SQLException {
        rows.close();
        statement.close();
        connection.commit();
        batch.add(current, new Row(null, null, null));
        batch.addFinishedSplit(current.splitId());
        LOG.info("backfill {}: {} rows", current, read);
        current = null;
    }

    /** A column in the CDC source's value model (the columns the events contract reads). */
    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        switch (type) {
            case "timestamptz":
                OffsetDateTime t = rs.getObject(i, OffsetDateTime.class);
                return t == null ? null : t.toInstant();
            case "timestamp":
                return rs.getObject(i, LocalDateTime.class);
            case "int2":
            case "int4":
            case "int8":
                Object n = rs.getObject(i);
                return n == null ? null : ((Number) n).longValue();
            default:
                // uuid, text, json and jsonb arrive as text, as from pgoutput.
                return rs.getString(i);
        }
    }

    @Override
    public void handleSplitsChanges(SplitsChange<ChunkSplit> change) {
        if (!(change instanceof SplitsAddition)) {
            throw new UnsupportedOperationException(
                    "chunks are only ever added, got " + change.getClass().getSimpleName());
        }
        splits.addAll(change.splits());
    }

    @Override
    public void wakeUp() {
        // fetch() returns after at most one batch
    }

    @Override
    public void close() throws SQLException {
        if (connection != null) {
            connection.close();
        }
    }
}
