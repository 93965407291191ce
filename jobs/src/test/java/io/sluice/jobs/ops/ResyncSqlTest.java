package io.sluice.jobs.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The resync's retiring statements name a mirrored table's key columns as Postgres does, so a key
 * column named {@code order id} or {@code a`b\c} must reach ClickHouse quoted.
 */
class ResyncSqlTest {
    @Test
    void aMirroredTableIsRetiredWithItsKeyColumnsQuoted() {
        Resync.Target mirror =
                new Resync.Target(
                        "sink",
                        "order",
                        List.of("order id", "a`b\\c", "select"),
                        List.of(),
                        true,
                        true,
                        false);

        assertThat(mirror.retireSql(41))
                .isEqualTo(
                        "INSERT INTO `sink`.`order` (`order id`, `a\\`b\\\\c`, `select`,"
                                + " `_version`, `_is_deleted`, `_lsn`) SELECT `order id`,"
                                + " `a\\`b\\\\c`, `select`, toUInt64(41), toUInt8(1), toUInt64(41)"
                                + " FROM `sink`.`order` FINAL WHERE `_is_deleted` = 0");
    }

    @Test
    void rollupCountsAndVersionedRowsAreQuotedToo() {
        Resync.Target rollup =
                new Resync.Target(
                        "analytics",
                        "events_per_minute",
                        List.of("minute"),
                        List.of("events", "errors"),
                        false,
                        false,
                        false);
        assertThat(rollup.retireSql(9))
                .isEqualTo(
                        "INSERT INTO `analytics`.`events_per_minute` (`minute`, `events`, `errors`,"
                                + " `_version`) SELECT `minute`, 0, 0, toUInt64(9) FROM"
                                + " `analytics`.`events_per_minute` FINAL WHERE `events` + `errors`"
                                + " != 0");

        Resync.Target late =
                new Resync.Target(
                        "analytics", "late_events", List.of(), List.of(), false, false, true);
        assertThat(late.retireSql(9))
                .isEqualTo("ALTER TABLE `analytics`.`late_events` DELETE WHERE `_version` <= 9");
    }
}
