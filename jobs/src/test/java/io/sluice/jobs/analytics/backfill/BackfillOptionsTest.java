package io.sluice.jobs.analytics.backfill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The backfill's arguments are checked before anything runs, with messages that say what to fix.
 */
class BackfillOptionsTest {
    private static BackfillOptions parse(String... args) {
        return BackfillOptions.parse(args);
    }

    @Test
    void parsesTheDefaults() {
        BackfillOptions o =
                parse(
                        "--config",
                        "c.yaml",
                        "--from",
                        "2026-11-20T00:00:00Z",
                        "--to",
                        "2026-11-21T03:00:00Z");
        assertThat(o.source()).isEqualTo(BackfillOptions.Source.POSTGRES);
        assertThat(o.chunk()).isEqualTo(Duration.ofHours(1));
        assertThat(o.maxRowsPerSecond()).isZero();
        assertThat(o.tables()).isEqualTo(BackfillOptions.Tables.ALL);
        assertThat(o.chunks(o.from().toEpochMilli(), o.to().toEpochMilli())).hasSize(27);
    }

    @Test
    void rejectsWhatItCannotDo() {
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "2026-11-20T00:30:00Z",
                                        "--to",
                                        "2026-11-21T00:00:00Z"))
                .hasMessageContaining("--from must be on a whole hour");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "2026-11-21T00:00:00Z",
                                        "--to",
                                        "2026-11-20T00:00:00Z"))
                .hasMessageContaining("--from must be before --to");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "yesterday",
                                        "--to",
                                        "2026-11-20T00:00:00Z"))
                .hasMessageContaining("--from must be an ISO-8601 UTC time");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "2026-11-20T00:00:00Z",
                                        "--to",
                                        "2026-11-21T00:00:00Z",
                                        "--source",
                                        "kafka"))
                .hasMessageContaining("--source must be postgres or archive, got 'kafka'");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "2026-11-20T00:00:00Z",
                                        "--to",
                                        "2026-11-21T00:00:00Z",
                                        "--tables",
                                        "sessions"))
                .hasMessageContaining("--tables must be all or events, got 'sessions'");
        assertThatThrownBy(
                        () ->
                                parse(
                                        "--config",
                                        "c",
                                        "--from",
                                        "2026-11-20T00:00:00Z",
                                        "--to",
                                        "2026-11-21T00:00:00Z",
                                        "--chunk-minute",
                                        "5"))
                .hasMessageContaining("unknown option --chunk-minute");
        assertThatThrownBy(() -> parse("--from", "2026-11-20T00:00:00Z"))
                .hasMessageContaining("--config, --from and --to are required");
    }

    @Test
    void refusesARangeTheStreamingJobMayStillChange() {
        Map<String, Object> values = new HashMap<>();
        values.put(PostgresSourceOptions.DATABASE.key(), "app");
        values.put(PostgresSourceOptions.USER.key(), "u");
        values.put(PostgresSourceOptions.TABLES.key(), java.util.List.of("public.events"));
        values.put(ClickHouseSinkOptions.URL.key(), "http://127.0.0.1:8123");
        values.put(ClickHouseSinkOptions.DATABASE.key(), "d");
        SluiceConfig config = SluiceConfig.of(values);
        Instant now = Instant.parse("2026-11-21T12:30:00Z");
        // Defaults: repair horizon 3 d + out-of-orderness 5 min: windows before 11-18 12:25 are
        // closed.
        parse("--config", "c", "--from", "2026-11-18T09:00:00Z", "--to", "2026-11-18T12:00:00Z")
                .checkClosed(config, now);
        assertThatThrownBy(
                        () ->
                                parse(
                                                "--config",
                                                "c",
                                                "--from",
                                                "2026-11-18T09:00:00Z",
                                                "--to",
                                                "2026-11-18T13:00:00Z")
                                        .checkClosed(config, now))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("--to 2026-11-18T13:00:00Z is too recent");
    }
}
