package io.sluice.jobs;

import io.sluice.common.clickhouse.ClickHouseConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.TreeSet;

/** The first column of a query's rows as a sorted set, from Postgres or ClickHouse (oracles). */
public final class SqlSets {
    private SqlSets() {}

    public static TreeSet<String> pgSet(Connection pg, String sql) throws SQLException {
        TreeSet<String> rows = new TreeSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }

    public static TreeSet<String> chSet(ClickHouseConnection ch, String sql) {
        TreeSet<String> rows = new TreeSet<>();
        for (List<String> r : ch.query(sql)) {
            rows.add(r.get(0));
        }
        return rows;
    }
}
