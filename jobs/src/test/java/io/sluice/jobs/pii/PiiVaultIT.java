package io.sluice.jobs.pii;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ClickHouseConnection;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.PiiOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.pii.PiiHasher;
import io.sluice.jobs.JobTestSupport;
import io.sluice.jobs.mirror.MirrorJob;
import io.sluice.jobs.mirror.MirrorSetup;
import io.sluice.jobs.mirror.MirrorSource;
import io.sluice.jobs.ops.Resync;
import io.sluice.testkit.ClickHouseEngine;
import io.sluice.testkit.TestClickHouse;
import io.sluice.testkit.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restricted copy of raw PII ({@code pii.raw-database}) on ClickHouse 18.16, with the users
 * docs/security.md describes (the testkit's users.xml): the mirror job runs as {@code
 * sluice_writer}, allowed only its two databases; every value it hashed (a column, a JSON path, an
 * address found in free text) is in the raw database as hash → value, the hash computed by
 * Postgres' pgcrypto; the analysts' user reads the mirror, finds no address in it, and is refused
 * the raw database, which {@code pii_reader} reads.
 */
class PiiVaultIT {
    private static final String KEY = "pii-vault-it-key-0123456789";
    private static final String MIRROR_DB = "vault_it_mirror"; // the testkit users' databases
    private static final String RAW_DB = "vault_it_raw";

    @RegisterExtension static final MiniClusterExtension FLINK = JobTestSupport.miniCluster();

    @AfterEach
    void cancelLeftoverJobs(@InjectMiniCluster MiniCluster cluster) throws Exception {
        JobTestSupport.cancelLeftoverJobs(cluster);
    }

    @Test
    void rawValuesGoToTheirOwnDatabaseWhichTheAnalystIsRefused(@TempDir Path tmp) throws Exception {
        TestServers servers = TestServers.get();
        TestClickHouse clickhouse = servers.clickhouse();
        assertThat(clickhouse.engine())
                .as("users restricted by allow_databases need the 18.16 server's users.xml")
                .isEqualTo(ClickHouseEngine.LEGACY);
        clickhouse.query("DROP DATABASE IF EXISTS " + RAW_DB);
        clickhouse.query("DROP DATABASE IF EXISTS " + MIRROR_DB);
        clickhouse.query("CREATE DATABASE IF NOT EXISTS " + MIRROR_DB);
        String pgDb = servers.postgres().newDatabase("vault");
        try (Connection pg = JobTestSupport.postgres(servers, pgDb)) {
            try (Statement st = pg.createStatement()) {
                st.execute("CREATE EXTENSION IF NOT EXISTS pgcrypto"); // the hash oracle
                st.execute(
                        "CREATE TABLE users (user_id bigint PRIMARY KEY, email text,"
                                + " attributes jsonb, note text, born date)");
            }
            for (int id = 1; id <= 40; id++) {
                write(pg, id, "snap");
            }
            Map<String, Object> settings =
                    JobTestSupport.settings(servers, pgDb, MIRROR_DB, List.of("public.users"), tmp);
            settings.put(ClickHouseSinkOptions.USER.key(), "sluice_writer");
            settings.put(ClickHouseSinkOptions.PASSWORD.key(), "writer-pw");
            settings.put(
                    PiiOptions.COLUMNS.key(),
                    List.of("public.users.email", "public.users.attributes.$.contact.email"));
            settings.put(PiiOptions.DETECT_EMAILS.key(), true);
            settings.put(PiiOptions.RAW_DATABASE.key(), RAW_DB);
            SluiceConfig config = SluiceConfig.of(settings);
            MirrorSetup.prepare(config);
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            JobTestSupport.configure(env, config);
            JobTestSupport.noRestart(env);
            MirrorJob.build(
                    env,
                    config,
                    MirrorSource.create(config, Resync.anchor(config, "test")),
                    PiiHasher.fromConfig(config, Map.of("SLUICE_PII_KEY", KEY)));
            JobClient job = env.executeAsync("pii-vault-it");
            try (ClickHouseConnection analyst =
                            new ClickHouseConnection(
                                    clickhouse.url(), "analyst", "analyst-pw", MIRROR_DB);
                    ClickHouseConnection piiReader =
                            new ClickHouseConnection(
                                    clickhouse.url(), "pii_reader", "pii-reader-pw", RAW_DB)) {
                awaitVault(pg, analyst, piiReader);
                for (int id = 41; id <= 60; id++) {
                    write(pg, id, "stream");
                }
                for (int id = 1; id <= 10; id++) {
                    write(pg, id, "moved"); // new addresses: the old ones stay in the vault
                }
                try (Statement st = pg.createStatement()) {
                    st.execute("DELETE FROM users WHERE user_id BETWEEN 11 AND 14");
                }
                awaitVault(pg, analyst, piiReader);

                assertThat(
                                analyst.query(
                                        "SELECT count() FROM _sluice_dead_letters"
                                                + " WHERE source_table = 'public.users'"))
                        .as("dead letters of the rows born in 2200")
                        .isNotEqualTo(List.of(List.of("0")));
                assertThat(addressesIn(analyst, MIRROR_DB))
                        .as(
                                "text columns of the mirror's tables, dead letters included, holding an"
                                        + " address")
                        .isEmpty();
                assertThatThrownBy(
                                () ->
                                        analyst.query(
                                                "SELECT count() FROM " + RAW_DB + ".pii_values"))
                        .as("the analysts' user reading the raw PII")
                        .hasMessageContaining("Access denied");
                assertThatThrownBy(
                                () ->
                                        piiReader.query(
                                                "SELECT count() FROM " + MIRROR_DB + ".users"))
                        .as("the raw-PII reader reading the mirror")
                        .hasMessageContaining("Access denied");
            } finally {
                JobTestSupport.cancel(job, tmp);
            }
        }
    }

    /** Inserts or updates a row whose three columns each hold an address of the row's round. */
    private static void write(Connection pg, int id, String round) throws Exception {
        try (PreparedStatement ps =
                pg.prepareStatement(
                        "INSERT INTO users VALUES (?, ?, ?::jsonb, ?, ?::date) ON CONFLICT (user_id)"
                                + " DO UPDATE SET email = excluded.email, attributes ="
                                + " excluded.attributes, note = excluded.note, born = excluded.born")) {
            ps.setLong(1, id);
            ps.setString(2, id % 7 == 0 ? null : round + id + "@example.com");
            ps.setString(
                    3,
                    "{\"plan\":\"pro\",\"contact\":{\"email\":\"kontakt"
                            + id
                            + "."
                            + round
                            + "@exämple.de\",\"phone\":\"555-01"
                            + id
                            + "\"}}");
            ps.setString(4, "wrote to jürgen." + round + id + "@例子.中国 on Monday");
            // A date ClickHouse's Date cannot hold: the row is a dead letter, its raw row kept.
            ps.setString(5, id % 10 == 3 ? "2200-01-01" : null);
            ps.executeUpdate();
        }
    }

    /**
     * Waits until the mirror's hashed e-mails equal pgcrypto's HMAC of Postgres' (the job has
     * caught up), then checks the raw database: every address Postgres holds now is there under its
     * hash, and every row there is a value under its own hash.
     */
    private static void awaitVault(
            Connection pg, ClickHouseConnection analyst, ClickHouseConnection piiReader)
            throws Exception {
        String mirrorOracle =
                "SELECT user_id || ' ' || coalesce(encode(hmac(email, '"
                        + KEY
                        + "', 'sha256'), 'hex'), 'null') FROM users"
                        + " WHERE born IS NULL"; // the others are dead letters
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        Set<String> expected;
        Set<String> mirrored;
        do {
            Thread.sleep(1_000); // polling until the job has caught up, with a deadline
            expected = column(pg, mirrorOracle);
            mirrored = new TreeSet<>();
            for (List<String> row :
                    analyst.query(
                            "SELECT concat(toString(user_id), ' ', ifNull(email, 'null'))"
                                    + " FROM users FINAL WHERE _is_deleted = 0")) {
                mirrored.add(row.get(0));
            }
        } while (!mirrored.equals(expected) && System.nanoTime() < deadline);
        assertThat(mirrored).as("the mirror's hashed e-mails").isEqualTo(expected);

        Set<String> addresses =
                column(
                        pg,
                        "SELECT v FROM (SELECT email AS v FROM users"
                                + " UNION SELECT attributes #>> '{contact,email}' FROM users"
                                + " UNION SELECT substring(note from '[^ ]+@[^ ]+') FROM users) a"
                                + " WHERE v IS NOT NULL");
        Set<String> rawOracle = new TreeSet<>();
        for (String a : addresses) {
            rawOracle.add(hmacOf(pg, a) + " " + a);
        }
        Set<String> vault = new TreeSet<>();
        List<String> wrongHashes = new ArrayList<>();
        for (List<String> row : piiReader.query("SELECT hash, value FROM pii_values FINAL")) {
            vault.add(row.get(0) + " " + row.get(1));
            if (!row.get(0).equals(hmac(row.get(1)))) {
                wrongHashes.add(row.get(1));
            }
        }
        assertThat(vault).as("the raw-PII database").containsAll(rawOracle);
        assertThat(wrongHashes).as("raw values under another value's hash").isEmpty();
    }

    /** Every text column of the database's tables that holds an {@code @} in some row. */
    private static List<String> addressesIn(ClickHouseConnection ch, String database) {
        List<String> found = new ArrayList<>();
        for (List<String> c :
                ch.query(
                        "SELECT table, name FROM system.columns WHERE database = '"
                                + database
                                + "' AND type IN ('String', 'Nullable(String)')")) {
            String n =
                    ch.query(
                                    "SELECT count() FROM `"
                                            + database
                                            + "`.`"
                                            + c.get(0)
                                            + "` WHERE position(`"
                                            + c.get(1)
                                            + "`, '@') > 0")
                            .get(0)
                            .get(0);
            if (!"0".equals(n)) {
                found.add(c.get(0) + "." + c.get(1) + ": " + n + " rows");
            }
        }
        return found;
    }

    private static String hmacOf(Connection pg, String value) throws Exception {
        try (PreparedStatement ps =
                pg.prepareStatement("SELECT encode(hmac(?, '" + KEY + "', 'sha256'), 'hex')")) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static String hmac(String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    private static Set<String> column(Connection pg, String sql) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Statement st = pg.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
