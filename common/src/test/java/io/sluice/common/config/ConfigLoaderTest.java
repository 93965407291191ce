package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir Path dir;

    private Path write(String yaml) throws IOException {
        Path f = dir.resolve("sluice.yaml");
        Files.writeString(f, yaml);
        return f;
    }

    private static final String MINIMAL =
            "postgres:\n  database: app\n  user: sluice\n  tables: [users, billing.orders]\n"
                    + "clickhouse:\n  url: http://ch:8123\n  database: analytics\n";

    @Test
    void readsNestedKeysAndFillsDefaults() throws IOException {
        SluiceConfig config = ConfigLoader.load(write(MINIMAL), Map.of());
        assertThat(config.get(SluiceOptions.PG_DATABASE)).isEqualTo("app");
        assertThat(config.get(SluiceOptions.PG_PORT)).isEqualTo(5432);
        assertThat(config.get(SluiceOptions.SINK_BATCH_ROWS)).isEqualTo(50_000);
        assertThat(config.tables())
                .containsExactly(new TableId("public", "users"), new TableId("billing", "orders"));
        assertThat(config.tables().get(1).clickHouseName()).isEqualTo("billing_orders");
    }

    @Test
    void takesSecretsFromTheEnvironment() throws IOException {
        Path f = write(MINIMAL + "  password: ${CH_SECRET}\n");
        SluiceConfig config = ConfigLoader.load(f, Map.of("CH_SECRET", "s3cret"));
        assertThat(config.get(SluiceOptions.CH_PASSWORD)).isEqualTo("s3cret");
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "'clickhouse.password' refers to ${CH_SECRET}, which is not set");
    }

    @Test
    void usesDefaultsOfEnvironmentReferences() throws IOException {
        SluiceConfig config =
                ConfigLoader.load(
                        write(MINIMAL.replace("database: app", "database: ${DB:-fallback}")),
                        Map.of());
        assertThat(config.get(SluiceOptions.PG_DATABASE)).isEqualTo("fallback");
    }

    @Test
    void reportsEveryProblemAtOnceWithTheKeyToFix() throws IOException {
        Path f =
                write(
                        "postgres:\n  database: app\n  tabels: [users]\n  port: abc\n"
                                + "clickhouse:\n  url: ch:8123\n  database: analytics\n"
                                + "job:\n  state-backend: memory\n"
                                + "archive:\n  path: /tmp/archive\n"
                                + "analytics:\n  rollups: [events_per_minute, events_per_day]\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "unknown key 'postgres.tabels' (did you mean 'postgres.tables'?)"))
                                        .anyMatch(p -> p.contains("'postgres.user' is required"))
                                        .anyMatch(p -> p.contains("'postgres.tables' is required"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "'postgres.port' must be a whole number, got 'abc'"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "'clickhouse.url' must be an HTTP endpoint"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "'job.state-backend' must be hashmap or rocksdb"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "'archive.path' must be file:///absolute/dir or s3://bucket/prefix, got '/tmp/archive'"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "'analytics.rollups' entry 'events_per_day' is not a rollup; choose from events_per_minute, events_per_5m, events_per_hour, sessions_daily")));
    }

    @Test
    void rejectsBadTableNames() throws IOException {
        Path f = write(MINIMAL.replace("[users, billing.orders]", "[users, 'a.b.c', users]"));
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .contains(
                                                "'postgres.tables' entry 'a.b.c' is not a table name: write schema.table or table",
                                                "'postgres.tables' names public.users twice"));
    }

    @Test
    void missingFileAndBadYamlSayWhichFile() throws IOException {
        assertThatThrownBy(() -> ConfigLoader.load(dir.resolve("nope.yaml"), Map.of()))
                .hasMessageContaining("nope.yaml does not exist");
        Path f = write("postgres: [unclosed\n");
        assertThatThrownBy(() -> ConfigLoader.load(f, Map.of()))
                .hasMessageContaining("is not valid YAML");
    }

    @Test
    void exampleConfigurationOfTheRepositoryIsValid() {
        Path example = Path.of("..", "conf", "sluice.yaml");
        SluiceConfig config = ConfigLoader.load(example, Map.of());
        assertThat(config.tables())
                .extracting(TableId::table)
                .contains("users", "events", "orders", "subscriptions", "refunds");
        assertThat(config.get(SluiceOptions.PG_TABLES))
                .isEqualTo(
                        List.of(
                                "public.users",
                                "public.events",
                                "public.orders",
                                "public.subscriptions",
                                "public.refunds"));
    }
}
