package io.sluice.bench;

import io.sluice.testkit.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;

/**
 * What the machine and the two servers allow, on the same data as Sluice: pgoutput drained by
 * {@code pg_recvlogical}, {@code COPY ... TO STDOUT}, COPY piped into a ClickHouse HTTP insert, and
 * ClickHouse inserts of the same rows in large batches.
 */
final class Ceilings {
    /** The columns both sides of the snapshot ceilings move, in ClickHouse-readable text. */
    static final String COPY_SELECT =
            "SELECT event_id, user_id, to_char(occurred_at AT TIME ZONE 'UTC',"
                    + " 'YYYY-MM-DD HH24:MI:SS'), event_name, properties FROM events";

    static final String CH_TABLE =
            "(event_id String, user_id Int64, occurred_at DateTime, event_name String,"
                    + " properties String) ENGINE = MergeTree ORDER BY tuple()";

    private Ceilings() {}

    /** Rows/s of {@code COPY (SELECT ...) TO STDOUT} into a file; the file is kept for the next. */
    static double copyToFile(TestServers servers, String pgDb, Path file, long rows)
            throws Exception {
        try (Connection pg = connect(servers, pgDb);
                OutputStream out = Files.newOutputStream(file)) {
            long t0 = System.nanoTime();
            long copied =
                    pg.unwrap(PGConnection.class)
                            .getCopyAPI()
                            .copyOut("COPY (" + COPY_SELECT + ") TO STDOUT", out);
            check(copied, rows, "COPY");
            return rows / seconds(t0);
        }
    }

    /** Rows/s of ClickHouse HTTP inserts of the copied rows, {@code batch} rows per insert. */
    static double clickHouseInsert(
            TestServers servers, String chDb, Path file, long rows, int batch) throws Exception {
        servers.clickhouse().query("CREATE TABLE " + chDb + ".ceiling_insert " + CH_TABLE);
        List<byte[]> batches = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] all = in.readAllBytes();
            int start = 0;
            int lines = 0;
            for (int i = 0; i < all.length; i++) {
                if (all[i] == '\n' && ++lines == batch) {
                    batches.add(java.util.Arrays.copyOfRange(all, start, i + 1));
                    start = i + 1;
                    lines = 0;
                }
            }
            if (start < all.length) {
                batches.add(java.util.Arrays.copyOfRange(all, start, all.length));
            }
        }
        long t0 = System.nanoTime();
        for (byte[] b : batches) {
            post(servers, "INSERT INTO " + chDb + ".ceiling_insert FORMAT TabSeparated", b);
        }
        double rate = rows / seconds(t0);
        check(count(servers, chDb + ".ceiling_insert"), rows, "ClickHouse insert");
        return rate;
    }

    /** Rows/s of COPY streamed straight into one ClickHouse HTTP insert. */
    static double copyIntoClickHouse(TestServers servers, String pgDb, String chDb, long rows)
            throws Exception {
        servers.clickhouse().query("CREATE TABLE " + chDb + ".ceiling_copy " + CH_TABLE);
        PipedInputStream in = new PipedInputStream(1 << 20);
        PipedOutputStream out = new PipedOutputStream(in);
        long t0 = System.nanoTime();
        CompletableFuture<Long> copy =
                CompletableFuture.supplyAsync(
                        () -> {
                            try (Connection pg = connect(servers, pgDb);
                                    out) {
                                return pg.unwrap(PGConnection.class)
                                        .getCopyAPI()
                                        .copyOut("COPY (" + COPY_SELECT + ") TO STDOUT", out);
                            } catch (Exception e) {
                                throw new IllegalStateException(
                                        "COPY failed: " + e.getMessage(), e);
                            }
                        });
        HttpRequest request =
                request(servers, "INSERT INTO " + chDb + ".ceiling_copy FORMAT TabSeparated")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> in))
                        .build();
        HttpResponse<String> r =
                HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("ClickHouse insert failed: " + r.body());
        }
        copy.get(10, TimeUnit.MINUTES);
        double rate = rows / seconds(t0);
        check(count(servers, chDb + ".ceiling_copy"), rows, "COPY into ClickHouse");
        return rate;
    }

    /**
     * Rows/s at which {@code pg_recvlogical} (pgoutput, publication {@code publication}) drains the
     * slot up to {@code endLsn}, over TCP on loopback, to /dev/null.
     */
    static double pgRecvLogical(
            TestServers servers,
            String pgDb,
            String slot,
            String publication,
            String endLsn,
            long rows)
            throws Exception {
        String binary = pgRecvLogicalBinary();
        List<String> command =
                List.of(
                        binary,
                        "-h",
                        servers.postgres().host(),
                        "-p",
                        Integer.toString(servers.postgres().port()),
                        "-U",
                        servers.postgres().user(),
                        "-d",
                        pgDb,
                        "--slot",
                        slot,
                        "--start",
                        "-o",
                        "proto_version=1",
                        "-o",
                        "publication_names=" + publication,
                        "-E",
                        endLsn,
                        "--no-loop",
                        "-f",
                        "/dev/null");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("PGPASSWORD", servers.postgres().password());
        long t0 = System.nanoTime();
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException(
                    "pg_recvlogical failed (" + String.join(" ", command) + "): " + output);
        }
        return rows / seconds(t0);
    }

    static String pgRecvLogicalBinary() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "pg_recvlogical");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (var versions = Files.list(lib)) {
                for (Path v : versions.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Path p = v.resolve("bin/pg_recvlogical");
                    if (Files.isExecutable(p)) {
                        return p.toString();
                    }
                }
            }
        }
        throw new IllegalStateException(
                "pg_recvlogical is not installed (Debian: apt-get install postgresql-client);"
                        + " the pgoutput ceiling needs it");
    }

    static Connection connect(TestServers servers, String db) throws Exception {
        return DriverManager.getConnection(
                servers.postgres().jdbcUrl(db),
                servers.postgres().user(),
                servers.postgres().password());
    }

    /** As {@link #count}, 0 while the table does not exist yet. */
    static long countOrZero(TestServers servers, String table) {
        String db = table.substring(0, table.indexOf('.'));
        String name = table.substring(table.indexOf('.') + 1);
        String exists =
                servers.clickhouse()
                        .query(
                                "SELECT count() FROM system.tables WHERE database = '"
                                        + db
                                        + "' AND name = '"
                                        + name
                                        + "'")
                        .trim();
        return "0".equals(exists) ? 0 : count(servers, table);
    }

    static long count(TestServers servers, String table) {
        return Long.parseLong(servers.clickhouse().query("SELECT count() FROM " + table).trim());
    }

    private static void post(TestServers servers, String query, byte[] body) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                request(servers, query)
                                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("ClickHouse insert failed: " + r.body());
        }
    }

    private static HttpRequest.Builder request(TestServers servers, String query) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(
                        URI.create(
                                servers.clickhouse().url()
                                        + "/?query="
                                        + URLEncoder.encode(query, StandardCharsets.UTF_8)));
        String auth = servers.clickhouse().user() + ":" + servers.clickhouse().password();
        return b.header(
                "Authorization",
                "Basic "
                        + Base64.getEncoder()
                                .encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
    }

    private static void check(long actual, long expected, String what) {
        if (actual != expected) {
            throw new IllegalStateException(
                    what + " moved " + actual + " rows, expected " + expected);
        }
    }

    static double seconds(long t0) {
        return Math.max(1e-6, (System.nanoTime() - t0) / 1e9);
    }
}
