package io.sluice.jobs.analytics.setup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.common.config.ConfigException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The expiry statements without a server; {@code RowExpiryIT} runs them on both engines. */
class RowExpiryTest {
    private static final Optional<Duration> DAY = Optional.of(Duration.ofDays(1));
    private static final String DAY_TTL = "_received_at + toIntervalSecond(86400)";

    @Test
    void aConfiguredTtlIsSetWhereItDiffers() {
        assertThat(RowExpiry.statements("an", "dead_letters", DAY, Optional.empty()))
                .containsExactly("ALTER TABLE `an`.`dead_letters` MODIFY TTL " + DAY_TTL);
        assertThat(
                        RowExpiry.statements(
                                "an",
                                "late_events",
                                DAY,
                                Optional.of("_received_at + toIntervalSecond(60)")))
                .containsExactly("ALTER TABLE `an`.`late_events` MODIFY TTL " + DAY_TTL);
    }

    @Test
    void theSameTtlAgainRunsNothing() {
        assertThat(RowExpiry.statements("an", "dead_letters", DAY, Optional.of(DAY_TTL))).isEmpty();
    }

    @Test
    void unsetRemovesOnlyATtlOnTheReceivedColumn() {
        assertThat(
                        RowExpiry.statements(
                                "an", "dead_letters", Optional.empty(), Optional.of(DAY_TTL)))
                .containsExactly("ALTER TABLE `an`.`dead_letters` REMOVE TTL");
        assertThat(
                        RowExpiry.statements(
                                "an",
                                "dead_letters",
                                Optional.empty(),
                                Optional.of("toDateTime(_version) + toIntervalDay(1)")))
                .isEmpty();
        assertThat(RowExpiry.statements("an", "dead_letters", Optional.empty(), Optional.empty()))
                .isEmpty();
    }

    @Test
    void aTtlIsWholeSecondsRoundedUp() {
        assertThat(RowExpiry.expression(Duration.ofMillis(1_500)))
                .isEqualTo("_received_at + toIntervalSecond(2)");
        assertThat(RowExpiry.expression(Duration.ofHours(1)))
                .isEqualTo("_received_at + toIntervalSecond(3600)");
    }

    @Test
    void aConfiguredTtlOnAServerWithoutTableTtlIsAConfigurationError() {
        ServerVersion legacy = ServerVersion.parse("18.16.1");
        assertThatThrownBy(() -> RowExpiry.checkServer(DAY, legacy, "http://ch:8123"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'analytics.dead-letters-ttl' is 1 d")
                .hasMessageContaining("http://ch:8123 is version 18.16.1")
                .hasMessageContaining("ClickHouse 20.10 or newer");
        // 19.6 can set a TTL but not remove it again.
        assertThatThrownBy(
                        () ->
                                RowExpiry.checkServer(
                                        DAY, ServerVersion.parse("19.6.2"), "http://ch"))
                .isInstanceOf(ConfigException.class);
        RowExpiry.checkServer(Optional.empty(), legacy, "http://ch:8123");
        RowExpiry.checkServer(DAY, ServerVersion.parse("20.10.2"), "http://ch:8123");
    }
}
