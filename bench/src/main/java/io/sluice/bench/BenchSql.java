package io.sluice.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/** The SQL the bench runs on Postgres: the events it writes, and one-off statements. */
final class BenchSql {
    private BenchSql() {}

    /**
     * Events {@code from..to} (inclusive), {@code perTransaction} per INSERT ... SELECT, with names
     * as {@code workload} says.
     */
    static void writeEvents(
            Connection pg,
            long from,
            long to,
            long perTransaction,
            String occurredAt,
            Bench.Workload workload)
            throws Exception {
        try (Statement st = pg.createStatement()) {
            for (long lo = from; lo <= to; lo += perTransaction) {
                long hi = Math.min(to, lo + perTransaction - 1);
                st.execute(
                        "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                                + " SELECT md5(i::text)::uuid, i % 10000, "
                                + occurredAt
                                + ","
                                + " (ARRAY['page_view','click','search','signup','api_request'])[1 + "
                                + workload.nameIndex
                                + "],"
                                + " jsonb_build_object('plan', (ARRAY['free','pro','team'])[1 + i % 3], 'path', '/p/' || (i % 100),"
                                // What a request event carries (errors_1m/1h, latency_1m/1h).
                                + " 'endpoint', '/api/' || (i % 7), 'latency_ms', i % 997,"
                                + " 'status', (ARRAY[200,200,200,404,503])[1 + i % 5],"
                                + " 'service', (ARRAY['api','billing'])[1 + i % 2], 'version', '1.' || (i % 3))"
                                + " FROM generate_series("
                                + lo
                                + ", "
                                + hi
                                + ") i");
            }
        }
    }

    static void execute(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement()) {
            st.execute(sql);
        }
    }

    static String queryString(Connection pg, String sql) throws Exception {
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
