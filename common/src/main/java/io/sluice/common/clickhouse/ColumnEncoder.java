package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

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
            return new NullableEncoder(forType(inner(t)));
        }
        if (t.startsWith("LowCardinality(")) {
            return forType(inner(t));
        }
        if (t.startsWith("Array(")) {
            return new ArrayEncoder(forType(inner(t)));
        }
        if (t.matches("U?Int(8|16|32|64|128|256)")) {
            return new IntegerEncoder();
        }
        if (t.startsWith("Float")) {
            return new FloatEncoder();
        }
        if (t.startsWith("Decimal")) {
            return new DecimalEncoder();
        }
        if (t.equals("Date") || t.equals("Date32")) {
            return new DateEncoder();
        }
        if (t.startsWith("DateTime64")) {
            int precision = Integer.parseInt(inner(t).split(",")[0].trim());
            return new DateTimeEncoder(precision);
        }
        if (t.startsWith("DateTime")) {
            return new DateTimeEncoder(0);
        }
        if (t.equals("UUID")) {
            return new TextEncoder("00000000-0000-0000-0000-000000000000");
        }
        if (t.equals("Bool")) {
            return new IntegerEncoder();
        }
        // String, FixedString(n), Enum8/16(...): written as (escaped) text.
        return new TextEncoder("");
    }

    private static String inner(String type) {
        return type.substring(type.indexOf('(') + 1, type.lastIndexOf(')'));
    }

    static void ascii(String s, ByteArrayOutputStream out) {
        out.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
    }

    static final class NullableEncoder extends ColumnEncoder {
        private final ColumnEncoder inner;

        NullableEncoder(ColumnEncoder inner) {
            this.inner = inner;
        }

        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                ascii("\\N", out);
            } else {
                inner.write(value, out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                ascii("NULL", out);
            } else {
                inner.writeQuoted(value, out);
            }
        }
    }

    static final class ArrayEncoder extends ColumnEncoder {
        private final ColumnEncoder element;

        ArrayEncoder(ColumnEncoder element) {
            this.element = element;
        }

        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            out.write('[');
            if (value instanceof List<?> list) {
                boolean first = true;
                for (Object item : list) {
                    if (!first) {
                        out.write(',');
                    }
                    first = false;
                    element.writeQuoted(item, out);
                }
            } else if (value != null) {
                throw new IllegalArgumentException(
                        "an Array column needs a list, got " + value.getClass().getSimpleName());
            }
            out.write(']');
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            write(value, out);
        }
    }

    static final class IntegerEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                out.write('0');
            } else if (value instanceof Boolean b) {
                out.write(b ? '1' : '0');
            } else if (value instanceof Number n && !(value instanceof BigDecimal)) {
                ascii(Long.toString(n.longValue()), out);
            } else {
                ascii(value.toString(), out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            write(value, out);
        }
    }

    static final class FloatEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                out.write('0');
                return;
            }
            double d =
                    value instanceof Number n
                            ? n.doubleValue()
                            : Double.parseDouble(value.toString());
            if (Double.isNaN(d)) {
                ascii("nan", out);
            } else if (Double.isInfinite(d)) {
                ascii(d > 0 ? "inf" : "-inf", out);
            } else if (value instanceof Float f) {
                // Float.toString keeps the shortest text that round-trips a float; widening to
                // double first would print 0.1f as 0.10000000149011612.
                ascii(Float.toString(f), out);
            } else {
                ascii(Double.toString(d), out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            write(value, out);
        }
    }

    static final class DecimalEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                out.write('0');
            } else if (value instanceof BigDecimal d) {
                ascii(d.toPlainString(), out);
            } else {
                ascii(value.toString(), out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            write(value, out);
        }
    }

    static final class DateEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            ascii(text(value), out);
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            out.write('\'');
            write(value, out);
            out.write('\'');
        }

        private static String text(Object value) {
            if (value == null) {
                return "1970-01-01";
            }
            if (value instanceof LocalDate d) {
                return d.toString();
            }
            if (value instanceof LocalDateTime dt) {
                return dt.toLocalDate().toString();
            }
            if (value instanceof Instant i) {
                return i.atOffset(ZoneOffset.UTC).toLocalDate().toString();
            }
            return value.toString();
        }
    }

    static final class DateTimeEncoder extends ColumnEncoder {
        private final int precision;

        DateTimeEncoder(int precision) {
            this.precision = precision;
        }

        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            LocalDateTime t;
            if (value == null) {
                t = LocalDateTime.ofEpochSecond(0, 0, ZoneOffset.UTC);
            } else if (value instanceof Instant i) {
                t = LocalDateTime.ofInstant(i, ZoneOffset.UTC);
            } else if (value instanceof LocalDateTime dt) {
                t = dt;
            } else if (value instanceof LocalDate d) {
                t = d.atStartOfDay();
            } else {
                ascii(value.toString(), out);
                return;
            }
            ascii(dateTimeText(t.toEpochSecond(ZoneOffset.UTC)), out);
            if (precision > 0) {
                String nanos = String.format("%09d", t.getNano());
                out.write('.');
                ascii(nanos.substring(0, Math.min(9, precision)), out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            out.write('\'');
            write(value, out);
            out.write('\'');
        }
    }

    static final class TextEncoder extends ColumnEncoder {
        private final String defaultValue;

        TextEncoder(String defaultValue) {
            this.defaultValue = defaultValue;
        }

        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value instanceof byte[] bytes) {
                TsvCodec.escape(bytes, out);
            } else {
                TsvCodec.escape(text(value), out);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            out.write('\'');
            write(value, out);
            out.write('\'');
        }

        private String text(Object value) {
            if (value == null) {
                return defaultValue;
            }
            if (value instanceof LocalTime t) {
                return PgText.time(t);
            }
            if (value instanceof UUID || value instanceof String) {
                return value.toString();
            }
            if (value instanceof BigDecimal d) {
                return d.toPlainString();
            }
            return value.toString();
        }
    }
}
