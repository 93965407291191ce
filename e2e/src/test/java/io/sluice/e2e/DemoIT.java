package io.sluice.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./sluice demo} as a new user runs it, in a state directory of its own and on free ports.
 * While it runs, a sampler reads every process's command line ({@code /proc/PID/cmdline}, what
 * {@code ps} shows) every 50 ms, and once the local Postgres is up, who holds its replication
 * connections. Afterwards: the demo passed its own checks (it exits 1 when a table differs from SQL
 * over Postgres); no command line held the Postgres or ClickHouse password, the job role's password
 * or the PII key; and the job's replication connections were the role {@code sluice}'s
 * (sql/postgres/02_replication_role.sql), never the superuser's.
 */
class DemoIT {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void theDemoRunsAsTheShippedRoleAndNoCommandLineHoldsASecret(@TempDir Path tmp)
            throws Exception {
        Path home = tmp.resolve("home");
        Launcher sluice =
                new Launcher(ROOT, home, Launcher.freePort(), Launcher.freePort())
                        .env("SLUICE_PG_PORT", Integer.toString(Launcher.freePort()))
                        .env("SLUICE_CH_HTTP_PORT", Integer.toString(Launcher.freePort()))
                        .env("SLUICE_CH_TCP_PORT", Integer.toString(Launcher.freePort()));
        Set<String> commandLines = ConcurrentHashMap.newKeySet();
        Set<String> replicationUsers = ConcurrentHashMap.newKeySet();
        CompletableFuture<String> demo =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return sluice.run(Duration.ofMinutes(10), "demo");
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        });
        try {
            Map<String, String> env = null;
            long nextLook = 0;
            while (!demo.isDone()) {
                commandLines.addAll(commandLines());
                if (System.nanoTime() >= nextLook) {
                    nextLook = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                    if (env == null) {
                        env = envOnceUp(sluice, home);
                    }
                    if (env != null) {
                        replicationUsers.addAll(replicationUsers(env));
                    }
                }
                Thread.sleep(50); // sampling ps while the demo runs
            }
            String out = demo.join();
            assertThat(out).contains("Funnels, retention and DAU/WAU/MAU over weeks match SQL");

            Map<String, String> secrets = new HashMap<>();
            env = env != null ? env : parse(sluice.run("env"));
            secrets.put("SLUICE_PG_PASSWORD", env.get("SLUICE_PG_PASSWORD"));
            secrets.put("SLUICE_CLICKHOUSE_PASSWORD", env.get("SLUICE_CLICKHOUSE_PASSWORD"));
            secrets.put("the role's password", Files.readString(home.resolve("role.password")));
            secrets.put("the PII key", Files.readString(home.resolve("pii.key")));
            assertThat(secrets.get("the role's password")).hasSizeGreaterThan(16);
            assertThat(commandLines)
                    .as("command lines sampled while the demo ran")
                    .anyMatch(c -> c.contains("io.sluice.jobs.analytics.AnalyticsJob"));
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                if (secret.getValue() == null || secret.getValue().length() < 4) {
                    continue; // no password set (the local ClickHouse's default user has none)
                }
                assertThat(commandLines)
                        .as("command lines holding " + secret.getKey())
                        .noneMatch(c -> c.contains(secret.getValue()));
            }
            assertThat(replicationUsers)
                    .as("users of the job's replication connections")
                    .containsExactly("sluice");
        } finally {
            demo.cancel(true);
            sluice.run("down");
        }
    }

    /** Every process's command line, its arguments joined by spaces. */
    private static List<String> commandLines() throws IOException {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                try {
                    byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
                    out.add(new String(raw, StandardCharsets.UTF_8).replace('\0', ' '));
                } catch (IOException gone) {
                    // the process ended between the listing and the read
                }
            }
        }
        return out;
    }

    /** The local servers' settings once {@code ./sluice up} has written them, else null. */
    private static Map<String, String> envOnceUp(Launcher sluice, Path home) {
        if (!Files.exists(home.resolve("postgres"))) {
            return null;
        }
        try {
            Map<String, String> env = parse(sluice.run("env"));
            return env.containsKey("SLUICE_PG_PORT") ? env : null;
        } catch (Exception | AssertionError notYet) { // the launcher's exit 1: not up yet
            return null;
        }
    }

    private static Map<String, String> parse(String envOutput) {
        Map<String, String> env = new HashMap<>();
        for (String line : envOutput.split("\n")) {
            int eq = line.indexOf('=');
            if (line.startsWith("SLUICE_") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1).strip());
            }
        }
        return env;
    }

    /** Who holds the replication connections (walsenders) of the demo's Postgres now. */
    private static Set<String> replicationUsers(Map<String, String> env) {
        String url =
                "jdbc:postgresql://"
                        + env.get("SLUICE_PG_HOST")
                        + ":"
                        + env.get("SLUICE_PG_PORT")
                        + "/"
                        + env.get("SLUICE_PG_DATABASE");
        try (Connection pg =
                        DriverManager.getConnection(
                                url, env.get("SLUICE_PG_USER"), env.get("SLUICE_PG_PASSWORD"));
                Statement st = pg.createStatement();
                ResultSet rs =
                        st.executeQuery(
                                "SELECT DISTINCT usename FROM pg_stat_activity"
                                        + " WHERE backend_type = 'walsender'")) {
            Set<String> users = new java.util.HashSet<>();
            while (rs.next()) {
                users.add(rs.getString(1));
            }
            return users;
        } catch (Exception notUp) {
            return Set.of(); // not up yet, or restarting
        }
    }
}
