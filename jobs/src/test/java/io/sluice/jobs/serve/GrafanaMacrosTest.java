package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link GrafanaMacros} against the expected outputs of the plugin's own tests:
 * grafana/clickhouse-datasource, pkg/macros/macros_test.go (TestInterpolate,
 * TestInterpolateNestedMacros, TestInterpolateBackslashEscapedStringLiterals,
 * TestInterpolateBacktickAndDollarQuotedRegions, TestMacroDateFilter, TestMacroDateTimeFilter,
 * TestMacroTimeInterval(_Ms), TestMacroIntervalSeconds, TestMacroTimeFrom/To, TestMacroTimeGroup),
 * read at commit 1d04063a31fb30f9582cd0b3aeaacb7d350b0dcf. Same time range, same strings.
 */
class GrafanaMacrosTest {
    static final Instant FROM = Instant.parse("2014-11-12T11:45:26.123Z");
    static final Instant TO = Instant.parse("2015-11-12T11:45:26.456Z");

    static String expand(String sql) {
        return GrafanaMacros.expand(sql, FROM, TO, 60, Map.of());
    }

    @Test
    void timeFilterAsThePluginWritesIt() {
        assertThat(expand("select * from foo where $__timeFilter(cast(sth as timestamp))"))
                .isEqualTo(
                        "select * from foo where cast(sth as timestamp) >= toDateTime(1415792726)"
                                + " AND cast(sth as timestamp) <= toDateTime(1447328726)");
        assertThat(expand("select * from foo where $__timeFilter(cast(sth as timestamp) )"))
                .isEqualTo(
                        "select * from foo where cast(sth as timestamp) >= toDateTime(1415792726)"
                                + " AND cast(sth as timestamp) <= toDateTime(1447328726)");
        assertThat(expand("select * from foo where $__timeFilter_ms(cast(sth as timestamp))"))
                .isEqualTo(
                        "select * from foo where cast(sth as timestamp) >="
                                + " fromUnixTimestamp64Milli(1415792726123) AND cast(sth as"
                                + " timestamp) <= fromUnixTimestamp64Milli(1447328726456)");
    }

    @Test
    void fromTimeAndToTime() {
        assertThat(
                        expand(
                                "select * from foo where ( date >= $__fromTime and date <="
                                        + " $__toTime ) limit 100"))
                .isEqualTo(
                        "select * from foo where ( date >= toDateTime(1415792726) and date <="
                                + " toDateTime(1447328726) ) limit 100");
        assertThat(
                        expand(
                                "select * from foo where ( date >= $__fromTime_ms ) and ( date <="
                                        + " $__toTime_ms ) limit 100"))
                .isEqualTo(
                        "select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123)"
                                + " ) and ( date <= fromUnixTimestamp64Milli(1447328726456) )"
                                + " limit 100");
    }

    @Test
    void nestedMacrosExpandInnermostFirst() {
        assertThat(expand("SELECT $__timeInterval($__fromTime) AS from_time"))
                .isEqualTo(
                        "SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60"
                                + " second) AS from_time");
        assertThat(expand("SELECT $__timeInterval_ms($__fromTime_ms)"))
                .isEqualTo(
                        "SELECT toStartOfInterval(toDateTime64(fromUnixTimestamp64Milli("
                                + "1415792726123), 3), INTERVAL 60000 millisecond)");
        assertThat(expand("select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))"))
                .isEqualTo(
                        "select * from foo where coalesce(closed_at, toDateTime(1447328726)) >="
                                + " toDateTime(1415792726) AND coalesce(closed_at,"
                                + " toDateTime(1447328726)) <= toDateTime(1447328726)");
    }

    @Test
    void quotedRegionsAreLeftAlone() {
        assertThat(expand("select * from foo where msg = 'it\\'s -- fine' and $__fromTime"))
                .isEqualTo(
                        "select * from foo where msg = 'it\\'s -- fine' and toDateTime(1415792726)");
        assertThat(expand("select * from foo where msg = 'a\\'/*x' and $__toTime"))
                .isEqualTo("select * from foo where msg = 'a\\'/*x' and toDateTime(1447328726)");
        assertThat(expand("select * from foo where msg = 'it''s' and $__fromTime"))
                .isEqualTo("select * from foo where msg = 'it''s' and toDateTime(1415792726)");
        assertThat(
                        expand(
                                "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND $__timeFilter(ts)"))
                .isEqualTo(
                        "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND ts >="
                                + " toDateTime(1415792726) AND ts <= toDateTime(1447328726)");
        assertThat(expand("SELECT `a--b`, `c/*d` FROM t WHERE $__fromTime"))
                .isEqualTo("SELECT `a--b`, `c/*d` FROM t WHERE toDateTime(1415792726)");
        assertThat(expand("SELECT $doc$a--b$doc$ AS x FROM t WHERE $__toTime"))
                .isEqualTo("SELECT $doc$a--b$doc$ AS x FROM t WHERE toDateTime(1447328726)");
        assertThat(expand("SELECT '$__fromTime'")).isEqualTo("SELECT '$__fromTime'");
    }

    @Test
    void dateAndIntervalMacros() {
        assertThat(expand("$__dateFilter(dateCol)"))
                .isEqualTo("dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')");
        assertThat(expand("$__dateTimeFilter(dateCol, timeCol)"))
                .isEqualTo(
                        "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND"
                                + " (timeCol >= toDateTime(1415792726) AND timeCol <="
                                + " toDateTime(1447328726))");
        assertThat(GrafanaMacros.expand("$__timeInterval(col)", FROM, TO, 20, Map.of()))
                .isEqualTo("toStartOfInterval(toDateTime(col), INTERVAL 20 second)");
        assertThat(GrafanaMacros.expand("$__timeInterval_ms(col)", FROM, TO, 20, Map.of()))
                .isEqualTo("toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond)");
        assertThat(GrafanaMacros.expand("$__interval_s", FROM, TO, 20, Map.of())).isEqualTo("20");
        assertThat(GrafanaMacros.expand("$__interval_s", FROM, TO, Duration.ZERO, Map.of()))
                .isEqualTo("1");
        assertThat(expand("$__timeFrom(ts)")).isEqualTo("ts >= toDateTime(1415792726)");
        assertThat(expand("$__timeTo(ts)")).isEqualTo("ts <= toDateTime(1447328726)");
        assertThat(expand("$__timeGroup(ts, 5m)"))
                .isEqualTo("toStartOfInterval(toDateTime(ts), INTERVAL 300 second)");
        assertThat(expand("$__timeGroup(ts, 1h)"))
                .isEqualTo("toStartOfInterval(toDateTime(ts), INTERVAL 3600 second)");
        assertThatThrownBy(() -> expand("$__timeGroup(ts)"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> expand("$__timeGroup(ts, not-a-duration)"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> expand("$__timeFrom()"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownMacrosStay() {
        assertThat(expand("SELECT $__unknown(x), $__columns"))
                .isEqualTo("SELECT $__unknown(x), $__columns");
    }

    @Test
    void templateVariablesAsGrafanaReplacesThem() {
        Map<String, String> vars = Map.of("database", "analytics_it");
        assertThat(
                        GrafanaMacros.expand(
                                "SELECT 1 FROM ${database}.a, $database.b, [[database]].c, $other.d",
                                FROM,
                                TO,
                                60,
                                vars))
                .isEqualTo(
                        "SELECT 1 FROM analytics_it.a, analytics_it.b, analytics_it.c, $other.d");
        assertThat(
                        GrafanaMacros.expand(
                                "$__from $__to $__interval_ms $__interval $__interval_s",
                                FROM,
                                TO,
                                90,
                                vars))
                .isEqualTo("1415792726123 1447328726456 90000 1m 90");
    }
}
