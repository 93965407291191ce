package io.sluice.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.AnalyticsOptions.Rollup;
import io.sluice.common.config.JobOptions.StateBackend;
import io.sluice.common.config.PostgresSourceOptions.OnSlotLoss;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.MemorySize;
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
        assertThat(config.get(PostgresSourceOptions.DATABASE)).isEqualTo("app");
        assertThat(config.get(PostgresSourceOptions.PORT)).isEqualTo(5432);
        assertThat(config.get(ClickHouseSinkOptions.BATCH_ROWS)).isEqualTo(50_000);
        assertThat(config.tables())
                .containsExactly(new TableId("public", "users"), new TableId("billing", "orders"));
        assertThat(config.tables().get(1).clickHouseName()).isEqualTo("billing_orders");
    }

    @Test
    void aKafkaSourceNeedsItsBrokersAndTopicPrefix() throws IOException {
        assertThat(ConfigLoader.load(write(MINIMAL), Map.of()).get(SourceOptions.KIND))
                .isEqualTo(SourceOptions.Kind.POSTGRES);
        assertThatThrownBy(
                        () ->
                                ConfigLoader.load(
                                        write(MINIMAL + "source:\n  kind: kafka\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(
                        "'kafka.bootstrap-servers' is required with 'source.kind: kafka'")
                .hasMessageContaining("'kafka.topic-prefix' is required with 'source.kind: kafka'");
        SluiceConfig kafka =
                ConfigLoader.load(
                        write(
                                MINIMAL
                                        + "source:\n  kind: kafka\n"
                                        + "kafka:\n  bootstrap-servers: broker:9092\n"
                                        + "  topic-prefix: app\n"),
                        Map.of());
        assertThat(SourceOptions.fromKafka(kafka)).isTrue();
        assertThat(kafka.get(SourceOptions.KAFKA_GROUP_ID)).isEqualTo("sluice");
        assertThatThrownBy(
                        () ->
                                ConfigLoader.load(
                                        write(MINIMAL + "source:\n  kind: kinesis\n"), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.kind");
    }

    @Test
    void takesSecretsFromTheEnvironment() throws IOException {
        Path f = write(MINIMAL + "  password: ${CH_SECRET}\n");
        SluiceConfig config = ConfigLoader.load(f, Map.of("CH_SECRET", "s3cret"));
        assertThat(config.get(ClickHouseSinkOptions.PASSWORD)).isEqualTo("s3cret");
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
        assertThat(config.get(PostgresSourceOptions.DATABASE)).isEqualTo("fallback");
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
    void readsAlertThresholdsAsFractionsAndRefusesOthers() throws IOException {
        SluiceConfig config =
                ConfigLoader.load(
                        write(
                                MINIMAL
                                        + "analytics:\n  alerts:\n    rules: [dau_drop]\n"
                                        + "    error-rate:\n      threshold: ${T:-0.05}\n"
                                        + "      window: 10 min\n"),
                        Map.of());
        assertThat(config.get(AlertOptions.RULES_ENABLED))
                .containsExactly(AlertOptions.Rule.DAU_DROP);
        assertThat(config.get(AlertOptions.ERROR_RATE_THRESHOLD)).isEqualTo(0.05);
        assertThat(config.get(AlertOptions.ERROR_RATE_WINDOW)).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.get(AlertOptions.DAU_DROP_THRESHOLD)).isEqualTo(0.2);
        Path bad =
                write(
                        MINIMAL
                                + "analytics:\n  alerts:\n    error-rate:\n      threshold: 2\n"
                                + "      window: 90 s\n      min-requests: 0\n"
                                + "    dau-drop:\n      threshold: lots\n");
        assertThatThrownBy(() -> ConfigLoader.load(bad, Map.of()))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                        "analytics.alerts.error-rate.threshold")
                                                                && p.contains("between 0 and 1"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                        "analytics.alerts.error-rate.window")
                                                                && p.contains("whole minutes"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                "analytics.alerts.error-rate.min-requests"))
                                        .anyMatch(
                                                p ->
                                                        p.contains(
                                                                        "analytics.alerts.dau-drop.threshold")
                                                                && p.contains("must be a number")));
    }

    @Test
    void readsDurationsWithUnitsAndChoicesAsEnums() throws IOException {
        SluiceConfig config =
                ConfigLoader.load(
                        write(
                                MINIMAL
                                        + "job:\n  checkpoint-interval: 2 s\n  state-backend: RocksDB\n"
                                        + "  rocksdb:\n    write-buffer-size: 8 mb\n"
                                        + "analytics:\n  session-gap: 45 min\n  rollups: [events_per_5m]\n"
                                        + "  out-of-orderness: ${OOO:-0 ms}\n"),
                        Map.of());
        assertThat(config.get(JobOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.get(JobOptions.STATE_BACKEND)).isEqualTo(StateBackend.ROCKSDB);
        assertThat(config.get(JobOptions.ROCKSDB_WRITE_BUFFER_SIZE))
                .isEqualTo(MemorySize.ofMebiBytes(8));
        assertThat(config.get(AnalyticsOptions.SESSION_GAP)).isEqualTo(Duration.ofMinutes(45));
        assertThat(config.get(AnalyticsOptions.OUT_OF_ORDERNESS)).isEqualTo(Duration.ZERO);
        assertThat(config.get(AnalyticsOptions.ROLLUPS)).containsExactly(Rollup.EVENTS_PER_5M);
        assertThat(config.get(AnalyticsOptions.DEDUPE_TTL)).isEqualTo(Duration.ofDays(7));
        assertThat(config.get(PostgresSourceOptions.ON_SLOT_LOSS)).isEqualTo(OnSlotLoss.FAIL);
    }

    @Test
    void oldMillisecondKeysAreReadAsMillisecondsWithADeprecationNamingTheNewKey()
            throws IOException {
        Path f =
                write(
                        MINIMAL
                                + "sink:\n  flush-interval-ms: 250\n"
                                + "job:\n  checkpoint-interval-ms: ${INTERVAL:-1500}\n"
                                + "analytics:\n  allowed-lateness-ms: 7200000\n");
        List<String> warnings = new ArrayList<>();
        SluiceConfig config = ConfigLoader.fromFlatMap(flat(f), Map.of(), warnings::add);
        assertThat(config.get(ClickHouseSinkOptions.FLUSH_INTERVAL))
                .isEqualTo(Duration.ofMillis(250));
        assertThat(config.get(JobOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofMillis(1500));
        assertThat(config.get(AnalyticsOptions.REPAIR_HORIZON)).isEqualTo(Duration.ofHours(2));
        assertThat(warnings)
                .containsExactlyInAnyOrder(
                        "'sink.flush-interval-ms' is deprecated: write 'sink.flush-interval'"
                                + " instead with a unit (e.g. sink.flush-interval: 1 s); a bare"
                                + " number under 'sink.flush-interval-ms' is read as milliseconds",
                        "'job.checkpoint-interval-ms' is deprecated: write"
                                + " 'job.checkpoint-interval' instead with a unit (e.g."
                                + " job.checkpoint-interval: 5 s); a bare number under"
                                + " 'job.checkpoint-interval-ms' is read as milliseconds",
                        "'analytics.allowed-lateness-ms' is deprecated: write"
                                + " 'analytics.repair-horizon' instead with a unit (e.g."
                                + " analytics.repair-horizon: 3 d); a bare number under"
                                + " 'analytics.allowed-lateness-ms' is read as milliseconds");
        // The same file through the public entry point: the old keys still load.
        assertThat(ConfigLoader.load(f, Map.of()).get(JobOptions.CHECKPOINT_INTERVAL))
                .isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void allowedLatenessIsReadAsTheRepairHorizonItBecame() throws IOException {
        Path f = write(MINIMAL + "analytics:\n  allowed-lateness: 2 h\n");
        List<String> warnings = new ArrayList<>();
        SluiceConfig config = ConfigLoader.fromFlatMap(flat(f), Map.of(), warnings::add);
        assertThat(config.get(AnalyticsOptions.REPAIR_HORIZON)).isEqualTo(Duration.ofHours(2));
        assertThat(warnings)
                .containsExactly(
                        "'analytics.allowed-lateness' is deprecated: write"
                                + " 'analytics.repair-horizon' instead");
        assertThat(
                        ConfigLoader.fromFlatMap(flat(write(MINIMAL)), Map.of())
                                .get(AnalyticsOptions.REPAIR_HORIZON))
                .isEqualTo(Duration.ofDays(3));
    }

    @Test
    void oldAndNewKeyTogetherAndBadDurationsOrChoicesAreProblems() throws IOException {
        Path f =
                write(
                        MINIMAL.replace(
                                        "  user: sluice\n",
                                        "  user: sluice\n  on-slot-loss: retry\n")
                                + "job:\n  checkpoint-interval: 5 s\n  checkpoint-interval-ms: 5000\n"
                                + "  rocksdb:\n    write-buffer-size: lots\n"
                                + "sink:\n  flush-interval: soon\n"
                                + "analytics:\n  session-gap: 0 s\n  session-max-ms: -1\n");
        Map<String, Object> flat = flat(f);
        assertThatThrownBy(() -> ConfigLoader.fromFlatMap(flat, Map.of(), w -> {}))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .contains(
                                                "'job.checkpoint-interval' and"
                                                        + " 'job.checkpoint-interval-ms', the key it"
                                                        + " replaced, are both set: keep only"
                                                        + " 'job.checkpoint-interval'",
                                                "'sink.flush-interval' must be a duration such as"
                                                        + " 500 ms, 5 s, 10 min, 1 h or 7 d, got"
                                                        + " 'soon'",
                                                "'job.rocksdb.write-buffer-size' must be a size"
                                                        + " such as 512 kb, 4 mb or 1 gb, got 'lots'",
                                                "'postgres.on-slot-loss' must be fail or resync,"
                                                        + " got 'retry'",
                                                "'analytics.session-gap' must be positive, got 0 ms",
                                                "'analytics.session-max' must be positive, got -1 ms"));
    }

    @Test
    void aRocksDbWriteBufferBelow64KbIsAProblem() throws IOException {
        Map<String, Object> flat =
                flat(write(MINIMAL + "job:\n  rocksdb:\n    write-buffer-size: 1 kb\n"));
        assertThatThrownBy(() -> ConfigLoader.fromFlatMap(flat, Map.of(), w -> {}))
                .isInstanceOfSatisfying(
                        ConfigException.class,
                        e ->
                                assertThat(e.problems())
                                        .containsExactly(
                                                "'job.rocksdb.write-buffer-size' must be at least"
                                                        + " 64 kb, got 1 kb"));
    }

    @Test
    void typedValuesFromCodeAreValidatedLikeTheFile() {
        Map<String, Object> v = new HashMap<>();
        v.put(PostgresSourceOptions.DATABASE.key(), "app");
        v.put(PostgresSourceOptions.USER.key(), "u");
        v.put(PostgresSourceOptions.TABLES.key(), List.of("users"));
        v.put(ClickHouseSinkOptions.URL.key(), "http://ch:8123");
        v.put(ClickHouseSinkOptions.DATABASE.key(), "d");
        v.put(JobOptions.CHECKPOINT_INTERVAL.key(), Duration.ofSeconds(1));
        v.put(PostgresSourceOptions.ON_SLOT_LOSS.key(), OnSlotLoss.RESYNC);
        SluiceConfig config = SluiceConfig.of(v);
        assertThat(config.get(JobOptions.CHECKPOINT_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.get(PostgresSourceOptions.ON_SLOT_LOSS)).isEqualTo(OnSlotLoss.RESYNC);
        assertThat(config.with(JobOptions.CHECKPOINT_INTERVAL, Duration.ofMinutes(1)).toMap())
                .containsEntry("job.checkpoint-interval", "1 min")
                .containsEntry("postgres.on-slot-loss", "resync");
        assertThatThrownBy(() -> config.with(JobOptions.CHECKPOINT_INTERVAL, Duration.ZERO))
                .hasMessageContaining("'job.checkpoint-interval' must be positive, got 0 ms");
    }

    /** The file as the loader sees it before conversion: dotted keys. */
    private static Map<String, Object> flat(Path f) throws IOException {
        Map<String, Object> out = new LinkedHashMap<>();
        flatten("", new org.yaml.snakeyaml.Yaml().load(Files.readString(f)), out);
        return out;
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = prefix + e.getKey();
            if (e.getValue() instanceof Map<?, ?> nested) {
                flatten(key + ".", nested, out);
            } else {
                out.put(key, e.getValue());
            }
        }
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
        List<String> deprecations = new ArrayList<>();
        SluiceConfig config = ConfigLoader.load(example, Map.of(), deprecations::add);
        assertThat(deprecations).as("the example uses the current keys").isEmpty();
        assertThat(config.get(AnalyticsOptions.SESSION_MAX)).isEqualTo(Duration.ofHours(24));
        assertThat(config.get(JobOptions.STATE_BACKEND)).isEqualTo(StateBackend.ROCKSDB);
        assertThat(config.tables())
                .extracting(TableId::table)
                .contains("users", "events", "orders", "subscriptions", "refunds");
        assertThat(config.get(PostgresSourceOptions.TABLES))
                .isEqualTo(
                        List.of(
                                "public.users",
                                "public.events",
                                "public.orders",
                                "public.subscriptions",
                                "public.refunds"));
    }
}
