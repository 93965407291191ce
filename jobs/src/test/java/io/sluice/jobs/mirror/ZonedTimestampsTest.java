package io.sluice.jobs.mirror;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written parser against the JDK's, which is the definition of the format. */
class ZonedTimestampsTest {
    private static final long MIN = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
    private static final long MAX = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

    @Test
    void agreesWithTheJdkOnRandomInstantsAndOffsets() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int i = 0; i < 200_000; i++) {
            long second = MIN + Math.floorMod(r.nextLong(), MAX - MIN + 1);
            int nanos = r.nextInt(1_000_000_000);
            switch (r.nextInt(4)) {
                case 0 -> nanos = 0;
                case 1 -> nanos = nanos / 1000 * 1000; // microseconds, as Postgres has
                default -> {}
            }
            ZoneOffset offset =
                    r.nextInt(5) == 0
                            ? ZoneOffset.ofTotalSeconds(r.nextInt(18 * 3600) / 60 * 60)
                            : ZoneOffset.UTC;
            String text =
                    OffsetDateTime.ofInstant(Instant.ofEpochSecond(second, nanos), offset)
                            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            assertEquals(
                    OffsetDateTime.parse(text).toInstant(),
                    ZonedTimestamps.parse(text),
                    text + " (seed " + seed + ")");
        }
    }

    @Test
    void edgesAndMalformedTextBehaveAsTheJdk() {
        List<String> texts =
                List.of(
                        "2024-02-29T23:59:59.999999Z",
                        "2023-02-29T00:00:00Z",
                        "2024-13-01T00:00:00Z",
                        "2024-04-31T00:00:00Z",
                        "2024-01-01T24:00:00Z",
                        "2024-01-01T00:60:00Z",
                        "2024-01-01T00:00:60Z",
                        "2024-01-01T00:00:00.Z",
                        "2024-01-01T00:00:00.1234567890Z",
                        "2024-01-01 00:00:00Z",
                        "2024-0a-01T00:00:00Z",
                        "+10000-01-01T00:00:00Z",
                        "1970-01-01T00:00:00.1Z",
                        "1969-12-31T23:59:59.999999999Z",
                        "2024-01-01T00:00:00+00:00");
        for (String text : texts) {
            Instant expected;
            try {
                expected = OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException e) {
                assertThrows(DateTimeParseException.class, () -> ZonedTimestamps.parse(text), text);
                continue;
            }
            assertEquals(expected, ZonedTimestamps.parse(text), text);
        }
    }
}
