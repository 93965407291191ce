package io.sluice.jobs.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written ClickHouse DateTime text against the JDK's formatter. */
class AnalyticsTextTest {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    @Test
    void dateTimeTextIsTheFormattersText() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        long span = 400L * 365 * 86_400 * 1_000_000; // 1770..2170, around the epoch
        for (int i = 0; i < 200_000; i++) {
            long micros =
                    i < 1000
                            ? (i - 500) * 999_999L // around the epoch, negative included
                            : Math.floorMod(r.nextLong(), span) - span / 2;
            String expected =
                    LocalDateTime.ofEpochSecond(
                                    Math.floorDiv(micros, 1_000_000L), 0, ZoneOffset.UTC)
                            .format(FORMAT);
            assertEquals(expected, AnalyticsTables.dateTime(micros), micros + " seed " + seed);
        }
        for (long micros :
                new long[] {Long.MIN_VALUE / 2, Long.MAX_VALUE / 2, 253_402_300_800L * 1_000_000}) {
            assertEquals(
                    LocalDateTime.ofEpochSecond(
                                    Math.floorDiv(micros, 1_000_000L), 0, ZoneOffset.UTC)
                            .format(FORMAT),
                    AnalyticsTables.dateTime(micros));
        }
    }
}
