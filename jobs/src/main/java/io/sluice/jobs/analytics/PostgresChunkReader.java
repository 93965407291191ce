package io.sluice.jobs.analytics;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.schema.PostgresCatalog;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one chunk (an {@code occurred_at} slice of the backfill range) of the events table. The
 * chunk numbers come from a checkpointed source, and a chunk's rows all leave this function before
 * the next checkpoint barrier, so a restored backfill re-reads exactly the chunks not yet done.
 * Rows are given the value types the CDC source gives, and {@code version} (the WAL position when
 * the backfill started), so a change streamed after it still wins.
 */
final class PostgresChunkReader extends RichFlatMapFunction<Long, ChangeRecord> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(PostgresChunkReader.class);
    static final String ROWS_READ = "backfill-rows-read";
    static final String CHUNKS_DONE = "backfill-chunks-done";

    private final SluiceConfig config;
    private final EventSchema schema;
    private final long fromMs;
    private final long toMs;
    private final long chunkMs;
    private final long version;
    private final long maxRowsPerSecond;

    private transient Connection connection;
    private transient PreparedStatement query;
    private transient Pacer pacer;
    private transient LongCounter rowsRead;
    private transient LongCounter chunksDone;

    PostgresChunkReader(
            SluiceConfig config,
            EventSchema schema,
            long fromMs,
            long toMs,
            long chunkMs,
            long version,
            long maxRowsPerSecond) {
        this.config = config;
        this.schema = schema;
        this.fromMs = fromMs;
        this.toMs = toMs;
        this.chunkMs = chunkMs;
        this.version = version;
        this.maxRowsPerSecond = maxRowsPerSecond;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        connection = PostgresCatalog.openConnection(config);
        connection.setReadOnly(true);
        query =
                connection.prepareStatement(
                        "SELECT * FROM "
                                + PostgresCatalog.quote(schema.table().schema())
                                + "."
                                + PostgresCatalog.quote(schema.table().table())
                                + " WHERE "
                                + PostgresCatalog.quote(schema.occurredAt)
                                + " >= ? AND "
                                + PostgresCatalog.quote(schema.occurredAt)
                                + " < ?");
        query.setFetchSize(5_000);
        pacer = new Pacer(maxRowsPerSecond);
        rowsRead = getRuntimeContext().getLongCounter(ROWS_READ);
        chunksDone = getRuntimeContext().getLongCounter(CHUNKS_DONE);
    }

    @Override
    public void flatMap(Long chunk, Collector<ChangeRecord> out) throws Exception {
        long start = fromMs + chunk * chunkMs;
        long end = Math.min(toMs, start + chunkMs);
        connection.setAutoCommit(false); // a cursor: rows stream in fetch-size batches
        query.setTimestamp(1, Timestamp.from(Instant.ofEpochMilli(start)));
        query.setTimestamp(2, Timestamp.from(Instant.ofEpochMilli(end)));
        long n = 0;
        try (ResultSet rs = query.executeQuery()) {
            int columns = rs.getMetaData().getColumnCount();
            String[] names = new String[columns + 1];
            String[] types = new String[columns + 1];
            for (int i = 1; i <= columns; i++) {
                names[i] = rs.getMetaData().getColumnName(i);
                types[i] = rs.getMetaData().getColumnTypeName(i);
            }
            while (rs.next()) {
                Map<String, Object> values = new LinkedHashMap<>();
                for (int i = 1; i <= columns; i++) {
                    values.put(names[i], value(rs, i, types[i]));
                }
                out.collect(
                        new ChangeRecord(
                                schema.table(),
                                ChangeRecord.Op.SNAPSHOT,
                                values,
                                Set.of(),
                                version));
                rowsRead.add(1);
                n++;
                pacer.row();
            }
        }
        connection.commit();
        chunksDone.add(1);
        LOG.info(
                "backfill chunk {} [{}, {}): {} rows",
                chunk,
                Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(end),
                n);
    }

    /** A column in the CDC source's value model (the columns the events contract reads). */
    private static Object value(ResultSet rs, int i, String type) throws Exception {
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
    public void close() throws Exception {
        if (connection != null) {
            connection.close();
        }
    }
}
