package io.sluice.common.clickhouse;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written ClickHouse DateTime text against the JDK's formatter. */
class DateTimeTextTest {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private static String byFormatter(long epochSecond) {
        return LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC).format(FORMAT);
    }

    @Test
    void dateTimeTextIsTheFormattersText() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        long span = 400L * 365 * 86_400; // 1770..2170, around the epoch
        for (int i = 0; i < 200_000; i++) {
            long second =
                    i < 1000
                            ? (i - 500) * 3_599L // around the epoch, negative included
                            : Math.floorMod(r.nextLong(), span) - span / 2;
            assertEquals(
                    byFormatter(second),
                    ColumnEncoder.dateTimeText(second),
                    second + " seed " + seed);
        }
        // Outside 0000-9999 the formatter's own text (a sign, five digits).
        for (long second : new long[] {-62_167_219_201L, 253_402_300_800L, 1L << 40}) {
            assertEquals(byFormatter(second), ColumnEncoder.dateTimeText(second));
        }
    }
}
