package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Writes one Java value as a TabSeparated field for a ClickHouse column type. Built once per column
 * from the type the server reports ({@code system.columns}), so the value model of the change
 * records (numbers, String, byte[], BigDecimal, LocalDate, LocalTime, LocalDateTime, Instant, List)
 * is turned into exactly what that column parses. A null for a column that is not Nullable writes
 * the type's default (ClickHouse 18.16 has no null-as-default for text input).
 */
public abstract class ColumnEncoder implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    /**
     * {@code yyyy-MM-dd HH:mm:ss} (ClickHouse DateTime text) of an epoch second, in UTC. Written by
     * hand: the mirror sink and the analytics rows format such a value for most rows, and {@link
     * DateTimeFormatter} was a visible share of that in the benchmark's profile. Years outside
     * 0000-9999 go through the formatter.
     */
    public static String dateTimeText(long epochSecond) {
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(epochSecond, 86_400L));
        int year = day.getYear();
        if (year < 0 || year > 9999) {
            return SECONDS.format(LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC));
        }
        int secondOfDay = (int) Math.floorMod(epochSecond, 86_400L);
        char[] c = new char[19];
        twoDigits(c, 0, year / 100);
        twoDigits(c, 2, year % 100);
        c[4] = '-';
        twoDigits(c, 5, day.getMonthValue());
        c[7] = '-';
        twoDigits(c, 8, day.getDayOfMonth());
        c[10] = ' ';
        twoDigits(c, 11, secondOfDay / 3600);
        c[13] = ':';
        twoDigits(c, 14, secondOfDay / 60 % 60);
        c[16] = ':';
        twoDigits(c, 17, secondOfDay % 60);
        return new String(c);
    }

    private static void twoDigits(char[] c, int at, int value) {
        c[at] = (char) ('0' + value / 10);
        c[at + 1] = (char) ('0' + value % 10);
    }

    /** Writes {@code value} as a top-level TabSeparated field. */
    public abstract void write(Object value, ByteArrayOutputStream out);

    /** Writes {@code value} as an element of an array literal. */
    abstract void writeQuoted(Object value, ByteArrayOutputStream out);

    public static ColumnEncoder forType(String clickHouseType) {
        String t = clickHouseType.trim();
        if (t.startsWith("Nullable(")) {
            return new WrapperEncoders.NullableEncoder(forType(inner(t)));
        }
        if (t.startsWith("LowCardinality(")) {
            return forType(inner(t));
        }
        if (t.startsWith("Array(")) {
            return new WrapperEncoders.ArrayEncoder(forType(inner(t)));
        }
        if (t.matches("U?Int(8|16|32|64|128|256)")) {
            return new NumberEncoders.IntegerEncoder();
        }
        if (t.startsWith("Float")) {
            return new NumberEncoders.FloatEncoder();
        }
        if (t.startsWith("Decimal")) {
            return new NumberEncoders.DecimalEncoder();
        }
        if (t.equals("Date") || t.equals("Date32")) {
            return new TimeEncoders.DateEncoder();
        }
        if (t.startsWith("DateTime64")) {
            int precision = Integer.parseInt(inner(t).split(",")[0].trim());
            return new TimeEncoders.DateTimeEncoder(precision);
        }
        if (t.startsWith("DateTime")) {
            return new TimeEncoders.DateTimeEncoder(0);
        }
        if (t.equals("UUID")) {
            return new TextEncoders.TextEncoder("00000000-0000-0000-0000-000000000000");
        }
        if (t.equals("Bool")) {
            return new NumberEncoders.IntegerEncoder();
        }
        // String, FixedString(n), Enum8/16(...): written as (escaped) text.
        return new TextEncoders.TextEncoder("");
    }

    private static String inner(String type) {
        return type.substring(type.indexOf('(') + 1, type.lastIndexOf(')'));
    }

    static void ascii(String s, ByteArrayOutputStream out) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }
}
