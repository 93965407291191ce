package io.sluice.common.clickhouse;

import java.time.LocalTime;

/**
 * Text forms of Postgres values that ClickHouse keeps as String, written as Postgres prints them.
 */
public final class PgText {
    private PgText() {}

    /** {@code time}: HH:MM:SS with the fraction only when non-zero, trailing zeros dropped. */
    public static String time(LocalTime t) {
        StringBuilder sb =
                new StringBuilder(
                        String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond()));
        if (t.getNano() != 0) {
            String micros = String.format("%06d", t.getNano() / 1000);
            sb.append('.').append(micros.replaceAll("0+$", ""));
        }
        return sb.toString();
    }
}
