package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The expected texts are ClickHouse's TabSeparated format as its documentation defines it (escapes,
 * \N, array literals); the round trip through a real server is in the mirror IT.
 */
class ColumnEncoderTest {
    private static String encode(String type, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ColumnEncoder.forType(type).write(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void escapesTextAsTabSeparated() {
        assertThat(encode("String", "a\tb\nc\\d'e")).isEqualTo("a\\tb\\nc\\\\d\\'e");
        assertThat(encode("String", new byte[] {0, 9, (byte) 0xff}))
                .isEqualTo("\\0\\t" + new String(new byte[] {(byte) 0xff}, StandardCharsets.UTF_8));
    }

    @Test
    void nullIsTheMarkerForNullableAndTheDefaultOtherwise() {
        assertThat(encode("Nullable(String)", null)).isEqualTo("\\N");
        assertThat(encode("String", null)).isEmpty();
        assertThat(encode("Int64", null)).isEqualTo("0");
        assertThat(encode("Date", null)).isEqualTo("1970-01-01");
        assertThat(encode("Array(Nullable(String))", null)).isEqualTo("[]");
        assertThat(encode("UUID", null)).isEqualTo("00000000-0000-0000-0000-000000000000");
    }

    @Test
    void writesNumbersBooleansAndDecimals() {
        assertThat(encode("UInt8", true)).isEqualTo("1");
        assertThat(encode("Int16", (short) -3)).isEqualTo("-3");
        assertThat(encode("Float32", 0.1f)).isEqualTo("0.1");
        assertThat(encode("Float64", Double.NaN)).isEqualTo("nan");
        assertThat(encode("Float64", Double.NEGATIVE_INFINITY)).isEqualTo("-inf");
        assertThat(encode("Decimal(12, 2)", new BigDecimal("1E+3"))).isEqualTo("1000");
        assertThat(encode("Decimal(12, 2)", "12.34")).isEqualTo("12.34");
    }

    @Test
    void writesTimesInUtcAtTheColumnsPrecision() {
        Instant i = Instant.parse("2024-02-03T04:05:06.123456Z");
        assertThat(encode("DateTime('UTC')", i)).isEqualTo("2024-02-03 04:05:06");
        assertThat(encode("DateTime64(6, 'UTC')", i)).isEqualTo("2024-02-03 04:05:06.123456");
        assertThat(
                        encode(
                                "Nullable(DateTime64(3, 'UTC'))",
                                LocalDateTime.of(2024, 1, 1, 0, 0, 0, 5_000_000)))
                .isEqualTo("2024-01-01 00:00:00.005");
        assertThat(encode("Date", LocalDate.of(2020, 2, 29))).isEqualTo("2020-02-29");
        assertThat(encode("String", LocalTime.of(1, 2, 3, 500_000_000))).isEqualTo("01:02:03.5");
        assertThat(encode("String", LocalTime.of(23, 59, 0))).isEqualTo("23:59:00");
    }

    @Test
    void writesArraysAsQuotedLiterals() {
        assertThat(encode("Array(Nullable(String))", Arrays.asList("a", null, "b'c\t")))
                .isEqualTo("['a',NULL,'b\\'c\\t']");
        assertThat(encode("Array(Nullable(Int32))", Arrays.asList(1, null, 3)))
                .isEqualTo("[1,NULL,3]");
        assertThat(encode("Array(Nullable(Date))", Arrays.asList(LocalDate.of(2020, 1, 2))))
                .isEqualTo("['2020-01-02']");
    }

    @Test
    void unescapeReversesEscape() {
        String original = "tab\tnewline\nback\\slash'quote\0nul";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TsvCodec.escape(original, out);
        assertThat(TsvCodec.unescape(out.toString(StandardCharsets.UTF_8))).isEqualTo(original);
    }

    /**
     * The ranges are ClickHouse's documented ones: 18.16's date tables end in 2105 (the one rule
     * for {@code Date} and {@code DateTime}), {@code DateTime64} holds 1900-01-01 to 2299-12-31. A
     * value outside would be wrapped or clamped by the server, so the encoder refuses it (a dead
     * letter).
     */
    @Test
    void timesOutsideTheColumnsRangeAndInfinitiesAreRefused() {
        assertThat(encode("Date", java.time.LocalDate.of(2105, 12, 31))).isEqualTo("2105-12-31");
        assertThat(encode("Date", java.time.LocalDate.of(1970, 1, 1))).isEqualTo("1970-01-01");
        assertThatThrownBy(() -> encode("Date", java.time.LocalDate.of(1969, 12, 31)))
                .hasMessageContaining("outside 1970-01-01 to 2105-12-31");
        assertThatThrownBy(() -> encode("Date", java.time.LocalDate.of(2106, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(
                        () ->
                                encode(
                                        "DateTime('UTC')",
                                        java.time.Instant.parse("1969-12-31T23:59:59Z")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(
                        encode(
                                "DateTime64(6, 'UTC')",
                                java.time.LocalDateTime.parse("1900-01-01T00:00:00")))
                .isEqualTo("1900-01-01 00:00:00.000000");
        assertThatThrownBy(
                        () ->
                                encode(
                                        "DateTime64(6, 'UTC')",
                                        java.time.LocalDateTime.parse("1899-12-31T23:59:59")))
                .hasMessageContaining("outside 1900-01-01 to 2299-12-31");
        assertThatThrownBy(
                        () ->
                                encode(
                                        "DateTime64(6, 'UTC')",
                                        java.time.LocalDateTime.parse("2300-01-01T00:00:00")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> encode("Nullable(DateTime('UTC'))", "infinity"))
                .hasMessageContaining("infinite");
        assertThatThrownBy(() -> encode("Date", "-infinity"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
