package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sluice up --clickhouse-shards 2 --clickhouse-replicas 2}, then {@code ./sluice demo} on
 * that cluster, as a user would run them: four clickhouse-server processes and a ZooKeeper, {@code
 * ./sluice env} naming the cluster, and the demo's own checks (every mirror table, rollup, funnel,
 * retention cohort and revenue day against SQL over Postgres) passing through the Distributed
 * tables. Both shards hold events, both replicas of each shard the same number, and {@code ./sluice
 * down} stops every process.
 */
class ClusterDemoIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MEMBER =
            Pattern.compile(
                    "clickhouse shard (\\d) replica (\\d)  running  port (\\d+) \\(http\\)");

    @Test
    void theDemoRunsOnTwoShardsOfTwoReplicas(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("home");
        Launcher sluice =
                new Launcher(ROOT, home, Launcher.freePort(), Launcher.freePort())
                        .env("SLUICE_PG_PORT", Integer.toString(Launcher.freePort()));
        try {
            sluice.run("up", "--clickhouse-shards", "2", "--clickhouse-replicas", "2");
            assertThat(sluice.run("env")).contains("SLUICE_CLICKHOUSE_CLUSTER=sluice");
            String out = sluice.run(Duration.ofMinutes(10), "demo");
            assertThat(out)
                    .contains("ClickHouse cluster 'sluice' is already running")
                    .contains("Analytics match SQL over Postgres.")
                    .contains("Funnels, retention and DAU/WAU/MAU over weeks match SQL")
                    .contains("Revenue and MRR match SQL over Postgres");

            List<Integer> ports = new ArrayList<>(); // shard 1 replica 1, 1/2, 2/1, 2/2
            Matcher m = MEMBER.matcher(sluice.run("status"));
            while (m.find()) {
                ports.add(Integer.parseInt(m.group(3)));
            }
            assertThat(ports).hasSize(4);
            long[] events = new long[4];
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            do {
                Thread.sleep(200); // replication of the last inserts, with a deadline
                for (int i = 0; i < 4; i++) {
                    events[i] = count(ports.get(i), "SELECT count() FROM analytics.events_local");
                }
            } while ((events[0] != events[1] || events[2] != events[3])
                    && System.nanoTime() < deadline);
            assertThat(events[0]).as("events on shard 1").isPositive().isEqualTo(events[1]);
            assertThat(events[2]).as("events on shard 2").isPositive().isEqualTo(events[3]);
        } finally {
            sluice.run("down");
        }
        assertThat(commandLinesUnder(home)).as("processes left after ./sluice down").isEmpty();
    }

    /** The command lines of running processes that name {@code dir}. */
    private static List<String> commandLinesUnder(Path dir) throws java.io.IOException {
        List<String> found = new ArrayList<>();
        try (var procs = java.nio.file.Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    String c =
                            new String(
                                            java.nio.file.Files.readAllBytes(
                                                    proc.resolve("cmdline")),
                                            StandardCharsets.UTF_8)
                                    .replace('\0', ' ');
                    if (c.contains(dir.toString())) {
                        found.add(c);
                    }
                } catch (java.io.IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        }
        return found;
    }

    private static long count(int httpPort, String sql) throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://127.0.0.1:"
                                                                + httpPort
                                                                + "/?query="
                                                                + URLEncoder.encode(
                                                                        sql,
                                                                        StandardCharsets.UTF_8)))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Long.parseLong(r.body().strip());
    }
}
