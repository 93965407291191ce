package io.sluice.jobs.analytics.backfill;

import io.sluice.common.config.SluiceConfig;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.analytics.model.EventSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** What a backfill from Postgres reads, planned with SQL over the events table before it starts. */
final class ChunkPlanner {
    /** Consecutive sparse slices are read as one chunk of about this many rows. */
    static final long CHUNK_ROWS = 20_000;

    private ChunkPlanner() {}

    /**
     * The chunks of {@code [fromMs, toMs)}: {@code --chunk-minutes} slices, counted first (one
     * grouped scan of the {@code occurred_at} index), empty ones left out and sparse neighbours
     * merged ({@link ChunkSplit#merge}).
     */
    static List<ChunkSplit> chunks(SluiceConfig config, long fromMs, long toMs, long sliceMs)
            throws SQLException {
        EventSchema schema = EventSchema.fromConfig(config);
        String occurredAt = PostgresCatalog.quote(schema.occurredAt);
        List<long[]> slices = new ArrayList<>();
        try (Connection pg = PostgresCatalog.openConnection(config);
                Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT floor((extract(epoch FROM "
                                        + occurredAt
                                        + ") * 1000 - "
                                        + fromMs
                                        + ") / "
                                        + sliceMs
                                        + ")::bigint AS slice, count(*) FROM "
                                        + table(schema)
                                        + " WHERE "
                                        + occurredAt
                                        + " >= to_timestamp("
                                        + fromMs
                                        + " / 1000.0) AND "
                                        + occurredAt
                                        + " < to_timestamp("
                                        + toMs
                                        + " / 1000.0) GROUP BY slice ORDER BY slice")) {
            while (rs.next()) {
                slices.add(new long[] {rs.getLong(1), rs.getLong(2)});
            }
        }
        return ChunkSplit.merge(fromMs, toMs, sliceMs, slices, CHUNK_ROWS);
    }

    private static String table(EventSchema schema) {
        return PostgresCatalog.quote(schema.table().schema())
                + "."
                + PostgresCatalog.quote(schema.table().table());
    }

    /** The oldest event's time in Postgres, in epoch millis, down to the hour. */
    static long oldestEvent(SluiceConfig config) throws SQLException {
        EventSchema schema = EventSchema.fromConfig(config);
        try (Connection pg = PostgresCatalog.openConnection(config);
                Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT floor(extract(epoch FROM min("
                                        + PostgresCatalog.quote(schema.occurredAt)
                                        + ")) / 3600)::bigint * 3600000 FROM "
                                        + table(schema))) {
            rs.next();
            long oldest = rs.getLong(1);
            return rs.wasNull() ? Long.MAX_VALUE : oldest;
        }
    }
}
