package io.sluice.jobs.mirror;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;

/**
 * Parses Debezium's {@code io.debezium.time.ZonedTimestamp} text (ISO-8601 with an offset) into an
 * {@link Instant}.
 *
 * <p>The source reads every {@code timestamptz} value this way, and {@link OffsetDateTime#parse}
 * took a third of the source thread's time in the benchmark's snapshot. With {@code
 * serverTimeZone("UTC")} Debezium writes {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}; that form is
 * parsed here by hand, anything else (other offsets, years outside 0000-9999) by the JDK.
 */
final class ZonedTimestamps {
    private ZonedTimestamps() {}

    static Instant parse(String s) {
        int n = s.length();
        // 2026-11-24T10:15:30Z is the shortest; up to 9 fraction digits.
        if (n < 20
                || n > 30
                || s.charAt(n - 1) != 'Z'
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || s.charAt(10) != 'T'
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return OffsetDateTime.parse(s).toInstant();
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int nanos = 0;
        if (n > 20) {
            if (s.charAt(19) != '.' || n == 21) {
                return OffsetDateTime.parse(s).toInstant();
            }
            int fraction = digits(s, 20, n - 1);
            if (fraction < 0) {
                return OffsetDateTime.parse(s).toInstant();
            }
            nanos = fraction;
            for (int i = n - 1 - 20; i < 9; i++) {
                nanos *= 10;
            }
        }
        if ((year | month | day | hour | minute | second) < 0
                || month < 1
                || month > 12
                || day < 1
                || day > 28 && day > LocalDate.of(year, month, 1).lengthOfMonth()
                || hour > 23
                || minute > 59
                || second > 59) {
            return OffsetDateTime.parse(s).toInstant(); // the JDK's error message, or its rules
        }
        long days = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(days * 86_400L + hour * 3_600L + minute * 60L + second, nanos);
    }

    /** The decimal value of {@code s[from, to)}, or -1 when a character is not a digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }
}
