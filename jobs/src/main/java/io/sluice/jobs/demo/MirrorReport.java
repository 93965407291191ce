package io.sluice.jobs.demo;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.clickhouse.TsvCodec;
import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;

/**
 * Prints, per mirrored table, the live rows in Postgres and in ClickHouse ({@code FINAL WHERE NOT
 * _is_deleted}) and a few rows as ClickHouse holds them. With {@code --wait-seconds N} it first
 * waits up to N seconds for the counts to match; exits 1 if they do not.
 *
 * <p>Usage: {@code MirrorReport --config conf/sluice.yaml [--wait-seconds 60]}
 */
public final class MirrorReport {
    private MirrorReport() {}

    public static void main(String[] args) throws Exception {
        DemoWorkload.Args a = new DemoWorkload.Args(args);
        SluiceConfig config = ConfigLoader.load(Path.of(a.get("--config", "conf/sluice.yaml")));
        long deadline =
                System.currentTimeMillis() + 1000L * Long.parseLong(a.get("--wait-seconds", "0"));
        try (Connection pg = PostgresCatalog.openConnection(config);
                ClickHouseConnection ch = ClickHouseConnection.connect(config)) {
            boolean match = counts(pg, ch, config, false);
            while (!match && System.currentTimeMillis() < deadline) {
                Thread.sleep(1000); // waiting for the mirror to catch up, with a deadline
                match = counts(pg, ch, config, false);
            }
            counts(pg, ch, config, true);
            for (TableId t : config.tables()) {
                System.out.println(
                        "\n"
                                + ch.database()
                                + "."
                                + t.clickHouseName()
                                + " (3 latest rows as ClickHouse holds them):");
                for (List<String> row : ch.query(ReportQueries.mirrorLatest(t.clickHouseName()))) {
                    System.out.println(
                            "  "
                                    + String.join(
                                            " | ",
                                            row.stream()
                                                    .map(
                                                            f ->
                                                                    TsvCodec.isNull(f)
                                                                            ? "NULL"
                                                                            : TsvCodec.unescape(f))
                                                    .map(
                                                            s ->
                                                                    s.length() > 60
                                                                            ? s.substring(0, 57)
                                                                                    + "..."
                                                                            : s)
                                                    .toList()));
                }
            }
            System.out.println(
                    match
                            ? "\nEvery table matches Postgres."
                            : "\nSome tables do not match Postgres yet.");
            if (!match) {
                System.exit(1);
            }
        }
    }

    private static boolean counts(
            Connection pg, ClickHouseConnection ch, SluiceConfig config, boolean print)
            throws Exception {
        boolean all = true;
        if (print) {
            System.out.printf("%-28s %12s %12s  %s%n", "table", "postgres", "clickhouse", "");
        }
        for (TableId t : config.tables()) {
            long source;
            try (Statement st = pg.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.qualified())) {
                rs.next();
                source = rs.getLong(1);
            }
            long mirrored =
                    Long.parseLong(ch.queryValue(ReportQueries.mirrorCount(t.clickHouseName())));
            all &= source == mirrored;
            if (print) {
                System.out.printf(
                        "%-28s %12d %12d  %s%n",
                        t.qualified(), source, mirrored, source == mirrored ? "ok" : "behind");
            }
        }
        return all;
    }
}
