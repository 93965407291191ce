package io.sluice.peer;

import io.debezium.embedded.Connect;
import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * The benchmark's peer: Debezium's embedded engine (the engine under Debezium Server, the Altinity
 * sink connector and Flink CDC itself), reading one Postgres table through pgoutput, snapshot then
 * stream, and inserting each batch the engine hands over into ClickHouse as one TabSeparated INSERT
 * over HTTP, before the batch's offsets are committed (at-least-once, as such pipelines are). It
 * runs in its own JVM: Debezium 3.6 cannot share a class path with Flink CDC 3.5's.
 *
 * <p>It is a baseline, not a product: every column is written as text (or Int64 / Float64 for
 * Debezium's integer and floating types) into a {@code ReplacingMergeTree(_lsn)} it creates; it
 * does no type mapping, PII hashing or exactly-once versioning. It runs until it is stopped
 * (SIGTERM), and then commits its offsets, so a second start resumes where the first stopped.
 *
 * <p>Arguments are {@code key=value}: pg-host, pg-port, pg-db, pg-user, slot, publication, table
 * (schema.name), ch-url, ch-db, ch-user, offsets (a file), batch-rows. Passwords come from the
 * environment ({@code PEER_PG_PASSWORD}, {@code PEER_CH_PASSWORD}), never the command line.
 */
public final class DebeziumPeer {
    private DebeziumPeer() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = Args.parse(args);
        ClickHouseHttp ch =
                new ClickHouseHttp(
                        a.get("ch-url"),
                        a.get("ch-user"),
                        System.getenv().getOrDefault("PEER_CH_PASSWORD", ""));
        String database = a.get("ch-db");
        ch.execute("CREATE DATABASE IF NOT EXISTS " + TsvRows.quote(database));
        Set<String> created = new HashSet<>();

        DebeziumEngine.ChangeConsumer<ChangeEvent<SourceRecord, SourceRecord>> consumer =
                (records, committer) -> {
                    StringBuilder body = new StringBuilder();
                    String table = null;
                    for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                        SourceRecord r = event.value();
                        if (r.value() instanceof Struct value && TsvRows.isRowChange(value)) {
                            String name = TsvRows.tableName(value);
                            if (table != null && !table.equals(name)) {
                                insert(ch, database, table, body);
                                body.setLength(0);
                            }
                            table = name;
                            if (created.add(name)) {
                                ch.execute(
                                        TsvRows.createTable(database, name, value, r.keySchema()));
                            }
                            TsvRows.append(body, value);
                        }
                    }
                    if (table != null) {
                        insert(ch, database, table, body);
                    }
                    for (ChangeEvent<SourceRecord, SourceRecord> event : records) {
                        committer.markProcessed(event);
                    }
                    committer.markBatchFinished();
                };

        Properties p = new Properties();
        p.setProperty("name", "sluice-bench-peer");
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        postgres(p, a, a.get("table"), "peer");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("offset.flush.interval.ms", "1000");
        String batch = a.getOrDefault("batch-rows", "20480");
        p.setProperty("max.batch.size", batch);
        p.setProperty("max.queue.size", String.valueOf(4 * Integer.parseInt(batch)));
        p.setProperty("snapshot.fetch.size", "10240");

        DebeziumEngine<ChangeEvent<SourceRecord, SourceRecord>> engine =
                DebeziumEngine.create(Connect.class).using(p).notifying(consumer).build();
        runUntilStopped(engine, () -> {}, "peer");
    }

    /**
     * The connector's Postgres, slot, tables and source offsets (a file) from the arguments; the
     * password from {@code PEER_PG_PASSWORD}.
     */
    static void postgres(Properties p, Map<String, String> a, String tables, String topicPrefix) {
        p.setProperty("database.hostname", a.get("pg-host"));
        p.setProperty("database.port", a.get("pg-port"));
        p.setProperty("database.dbname", a.get("pg-db"));
        p.setProperty("database.user", a.get("pg-user"));
        p.setProperty("database.password", System.getenv().getOrDefault("PEER_PG_PASSWORD", ""));
        p.setProperty("slot.name", a.get("slot"));
        p.setProperty("publication.name", a.get("publication"));
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", tables);
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("topic.prefix", topicPrefix);
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.setProperty("offset.storage.file.filename", a.get("offsets"));
    }

    /**
     * Runs {@code engine} until the JVM is stopped (SIGTERM: the engine is closed, which commits
     * its offsets, and then {@code afterClose}) or the engine ends on its own.
     */
    static void runUntilStopped(DebeziumEngine<?> engine, AutoCloseable afterClose, String name)
            throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        executor.execute(
                () -> {
                    try {
                        engine.run();
                    } finally {
                        stopped.countDown();
                    }
                });
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    try {
                                        engine.close(); // commits the offsets
                                        stopped.await();
                                        afterClose.close();
                                    } catch (Exception e) {
                                        System.err.println(name + ": close failed: " + e);
                                    }
                                }));
        System.out.println(name + ": running");
        stopped.await();
        executor.shutdown();
    }

    private static void insert(
            ClickHouseHttp ch, String database, String table, CharSequence body) {
        if (body.length() > 0) {
            ch.insert(
                    "INSERT INTO "
                            + TsvRows.quote(database)
                            + "."
                            + TsvRows.quote(table)
                            + " FORMAT TabSeparated",
                    body.toString());
        }
    }

    /** {@code key=value} arguments. */
    static final class Args {
        private Args() {}

        static Map<String, String> parse(String[] args) {
            return parse(
                    args,
                    List.of(
                            "pg-host",
                            "pg-port",
                            "pg-db",
                            "pg-user",
                            "slot",
                            "publication",
                            "table",
                            "ch-url",
                            "ch-db",
                            "ch-user",
                            "offsets"));
        }

        /** {@code key=value} arguments, each of {@code required} among them. */
        static Map<String, String> parse(String[] args, List<String> required) {
            java.util.Map<String, String> m = new java.util.HashMap<>();
            for (String arg : args) {
                int eq = arg.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("expected key=value, got: " + arg);
                }
                m.put(arg.substring(0, eq), arg.substring(eq + 1));
            }
            for (String key : required) {
                if (!m.containsKey(key)) {
                    throw new IllegalArgumentException("missing argument " + key + "=...");
                }
            }
            return m;
        }
    }

    /** ClickHouse over HTTP: one POST per statement; a failure stops the peer. */
    static final class ClickHouseHttp {
        private final HttpClient http = HttpClient.newHttpClient();
        private final String url;
        private final String auth;

        ClickHouseHttp(String url, String user, String password) {
            this.url = url;
            this.auth =
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            (user + ":" + password)
                                                    .getBytes(StandardCharsets.UTF_8));
        }

        void execute(String sql) {
            post(sql, "");
        }

        void insert(String query, String body) {
            post(query, body);
        }

        private void post(String query, String body) {
            try {
                HttpResponse<String> r =
                        http.send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        url
                                                                + "/?query="
                                                                + URLEncoder.encode(
                                                                        query,
                                                                        StandardCharsets.UTF_8)))
                                        .header("Authorization", auth)
                                        .POST(
                                                HttpRequest.BodyPublishers.ofString(
                                                        body, StandardCharsets.UTF_8))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException(
                            "ClickHouse answered " + r.statusCode() + ": " + r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
