package io.sluice.common.clickhouse;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import io.sluice.common.config.ClickHouseSinkOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One ClickHouse server over HTTP, through the official Java client (client-v2). Requests go
 * uncompressed because ClickHouse 18.16 does not accept the client's compressed requests; data is
 * exchanged as TabSeparated text, which every server version reads and writes the same way.
 */
public final class ClickHouseConnection implements ClickHouseStatements {
    private static final long REQUEST_TIMEOUT_SECONDS = 300;

    private final Client client;
    private final String url;
    private final String database;
    private final String cluster; // null: one server
    private final ClickHouseErrors errors;
    private final Map<String, Boolean> knownSettings =
            new ConcurrentHashMap<>(); // setting name → the server has it

    public ClickHouseConnection(String url, String user, String password, String database) {
        this(url, user, password, database, null);
    }

    /**
     * A connection that works in {@code database} on {@code cluster} (null: one server): its tables
     * are Distributed tables ({@link ClusterDdl}), and its inserts and reads go through them with
     * {@link #clusterSettings}.
     */
    public ClickHouseConnection(
            String url, String user, String password, String database, String cluster) {
        this.url = url;
        this.database = database;
        this.cluster = cluster;
        this.errors =
                new ClickHouseErrors(
                        url,
                        database,
                        user,
                        password == null ? "" : password,
                        REQUEST_TIMEOUT_SECONDS);
        this.client =
                new Client.Builder()
                        .addEndpoint(url)
                        .setUsername(user)
                        .setPassword(password == null ? "" : password)
                        // The database goes both ways: 18.16 reads only the HTTP "database"
                        // parameter; newer servers let the client's X-ClickHouse-Database header
                        // (its default database, "default" unless set) win over the parameter.
                        .serverSetting("database", database)
                        .setDefaultDatabase(database)
                        .compressServerResponse(false)
                        .compressClientRequest(false)
                        .useHttpCompression(false)
                        .setMaxRetries(0)
                        .setConnectTimeout(10, java.time.temporal.ChronoUnit.SECONDS)
                        .setSocketTimeout(
                                REQUEST_TIMEOUT_SECONDS, java.time.temporal.ChronoUnit.SECONDS)
                        .setClientName("sluice")
                        .build();
    }

    /** The connection to the ClickHouse database a configuration names. */
    public static ClickHouseConnection connect(io.sluice.common.config.SluiceConfig config) {
        return new ClickHouseConnection(
                config.get(ClickHouseSinkOptions.URL),
                config.get(ClickHouseSinkOptions.USER),
                config.get(ClickHouseSinkOptions.PASSWORD),
                config.get(ClickHouseSinkOptions.DATABASE),
                ClickHouseSinkOptions.cluster(config).orElse(null));
    }

    public String url() {
        return url;
    }

    @Override
    public String database() {
        return database;
    }

    @Override
    public java.util.Optional<String> cluster() {
        return java.util.Optional.ofNullable(cluster);
    }

    @Override
    public ServerVersion serverVersion() {
        return ServerVersion.parse(queryValue("SELECT version()"));
    }

    /** Runs a statement that returns no rows (DDL, INSERT ... SELECT). */
    @Override
    public void execute(String sql) {
        try (QueryResponse ignored = await(sql, client.query(sql, settings()))) {
            // The response body of a statement is empty; closing releases the connection.
        } catch (ClickHouseException e) {
            throw errors.explain(sql, null, e);
        } catch (Exception e) {
            throw errors.explain(sql, null, ClickHouseErrors.translate(sql, e));
        }
    }

    /** The first column of the first row, as text; empty string when there is no row. */
    public String queryValue(String sql) {
        List<List<String>> rows = query(sql);
        return rows.isEmpty() ? "" : TsvCodec.unescape(rows.get(0).get(0));
    }

    /**
     * Rows as raw TabSeparated fields (still escaped, exactly as the server wrote them), so a value
     * read here can be written back unchanged. Use {@link TsvCodec#unescape} for the text.
     */
    @Override
    public List<List<String>> query(String sql) {
        try {
            return queryOnce(sql);
        } catch (ClickHouseException e) {
            if (!ClickHouseErrors.unanswered(e)) {
                throw errors.explain(sql, null, e);
            }
            // A pooled connection the server had closed while idle (keep-alive): the read went
            // unanswered. Reads are idempotent, so it is sent once more, on a new connection.
            try {
                return queryOnce(sql);
            } catch (ClickHouseException again) {
                throw errors.explain(sql, null, again);
            }
        }
    }

    private List<List<String>> queryOnce(String sql) {
        try (QueryResponse response = await(sql, client.query(sql, settings()))) {
            return parse(response.getInputStream());
        } catch (ClickHouseException e) {
            throw e;
        } catch (Exception e) {
            throw ClickHouseErrors.translate(sql, e);
        }
    }

    /** Inserts TabSeparated rows into the named columns of a table of this database. */
    @Override
    public void insertTsv(String table, List<String> columns, byte[] tsv) {
        // The client writes "INSERT INTO <table> (<columns>) FORMAT TabSeparated" from these
        // texts as they are, so they go to it quoted (a column named "order note" or "select").
        String qualified = ClickHouseSql.qualified(database, table);
        List<String> quotedColumns = columns.stream().map(ClickHouseSql::identifier).toList();
        String statement = ClickHouseSql.insertTsv(database, table, columns);
        InsertSettings settings = new InsertSettings().compressClientRequest(false);
        if (knowsSetting("precise_float_parsing", false)) {
            // Floats read from text as the nearest double (newer servers' default is a faster
            // parse that can be one unit off in the last place). 18.16 has only that parse.
            settings.serverSetting("precise_float_parsing", "1");
        }
        clusterSettings().forEach(settings::serverSetting);
        try {
            await(
                            statement,
                            client.insert(
                                    qualified,
                                    quotedColumns,
                                    new ByteArrayInputStream(tsv),
                                    ClickHouseFormat.TabSeparated,
                                    settings))
                    .close();
        } catch (ClickHouseException e) {
            throw ClickHouseErrors.withoutRows(errors.explain(statement, tsv, e), tsv.length);
        } catch (Exception e) {
            throw ClickHouseErrors.withoutRows(
                    errors.explain(statement, tsv, ClickHouseErrors.translate(statement, e)),
                    tsv.length);
        }
    }

    public boolean ping() {
        return client.ping(5_000);
    }

    private QuerySettings settings() {
        QuerySettings settings = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
        if (decimalScaleSetting()) {
            settings.serverSetting("output_format_decimal_trailing_zeros", "1");
        }
        clusterSettings().forEach(settings::serverSetting);
        return settings;
    }

    /**
     * On a cluster, the settings of every statement (none on one server):
     *
     * <ul>
     *   <li>synchronous Distributed inserts ({@code insert_distributed_sync}, named {@code
     *       distributed_foreground_insert} since 23.x): an insert returns once a replica of every
     *       shard it touches has written its rows, so an acknowledged batch is in a replicated
     *       table and not in a queue on the server that took it;
     *   <li>{@code load_balancing = in_order} and {@code prefer_localhost_replica = 0}: inserts and
     *       reads go to the first live replica of each shard, so a read (a TOAST lookup, a resync)
     *       sees what the job wrote before it, without waiting for replication; and 18.16 fails
     *       {@code FINAL} reads through a Distributed table from a server that holds a replica
     *       unless that replica is queried as a remote one;
     *   <li>{@code distributed_product_mode = global}: a read whose {@code IN} or {@code JOIN}
     *       subquery reads a Distributed table too (the funnel and retention queries of the
     *       documentation) runs that subquery once, over every shard, instead of being refused.
     * </ul>
     */
    private Map<String, String> clusterSettings() {
        if (cluster == null) {
            return Map.of();
        }
        String sync =
                knowsSetting("distributed_foreground_insert", false)
                        ? "distributed_foreground_insert"
                        : "insert_distributed_sync";
        return Map.of(
                sync,
                "1",
                "load_balancing",
                "in_order",
                "prefer_localhost_replica",
                "0",
                "distributed_product_mode",
                "global");
    }

    /**
     * Whether the server drops a decimal's trailing zeros unless told not to. 18.16 always prints
     * the scale ({@code 11.50}); newer servers print {@code 11.5} by default and know the setting
     * that keeps it, which 18.16 would refuse as unknown. With it, values read here have the same
     * text on every version, and as Postgres prints them. Asked once per connection, by setting
     * name rather than version number.
     */
    private boolean decimalScaleSetting() {
        return knowsSetting("output_format_decimal_trailing_zeros", true);
    }

    /**
     * Whether the server has the setting: asked once per connection and name. When asking fails,
     * {@code orFail} decides: throw, or answer no without remembering it (an insert goes on without
     * an optional setting, and fails on its own if the server is down).
     */
    private boolean knowsSetting(String name, boolean orFail) {
        Boolean known = knownSettings.get(name);
        if (known == null) {
            String sql =
                    "SELECT count() FROM system.settings WHERE name = "
                            + ClickHouseSql.literal(name);
            QuerySettings plain = new QuerySettings().setFormat(ClickHouseFormat.TabSeparated);
            try (QueryResponse response = await(sql, client.query(sql, plain))) {
                List<List<String>> rows = parse(response.getInputStream());
                known = !rows.isEmpty() && !"0".equals(rows.get(0).get(0));
            } catch (Exception e) {
                if (!orFail) {
                    return false;
                }
                throw errors.explain(sql, null, ClickHouseErrors.translate(sql, e));
            }
            knownSettings.put(name, known);
        }
        return known;
    }

    private static <T> T await(String statement, java.util.concurrent.CompletableFuture<T> future) {
        try {
            return future.get(REQUEST_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClickHouseException(statement, 0, "interrupted", true, e);
        } catch (ExecutionException e) {
            throw ClickHouseErrors.translate(statement, e.getCause() == null ? e : e.getCause());
        } catch (TimeoutException e) {
            throw new ClickHouseException(
                    statement, 0, "no answer within " + REQUEST_TIMEOUT_SECONDS + " s", true, e);
        }
    }

    private static List<List<String>> parse(InputStream in) throws IOException {
        String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        List<List<String>> rows = new ArrayList<>();
        if (body.isEmpty()) {
            return rows;
        }
        String[] lines = body.split("\n", -1);
        // The body ends with a newline: the last split element is empty and not a row.
        for (int i = 0; i < lines.length - 1; i++) {
            rows.add(List.of(lines[i].split("\t", -1)));
        }
        return rows;
    }

    @Override
    public void close() {
        client.close();
    }
}
