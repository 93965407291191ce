package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Encoders of {@code Date}/{@code Date32} and {@code DateTime}/{@code DateTime64(p)} columns, in
 * UTC. Text (a column whose Postgres type changed) is written escaped, as ClickHouse reads a quoted
 * or TabSeparated value, so that it stays one field whatever it holds.
 */
final class TimeEncoders {
    private TimeEncoders() {}

    /**
     * The days a {@code Date} or {@code DateTime} column holds on every supported server: from the
     * epoch to the end of 2105, where ClickHouse 18.16's date tables end (newer servers read a
     * {@code Date} up to 2149-06-06; the mirror keeps one rule). A value outside goes to the dead
     * letters instead of being written wrapped or clamped.
     */
    static final LocalDate FIRST_DAY = LocalDate.of(1970, 1, 1);

    static final LocalDate LAST_DAY = LocalDate.of(2105, 12, 31);

    /** The days a {@code DateTime64} column holds: 1900-01-01 to 2299-12-31. */
    static final LocalDate FIRST_DAY_64 = LocalDate.of(1900, 1, 1);

    static final LocalDate LAST_DAY_64 = LocalDate.of(2299, 12, 31);

    /** Refuses Postgres' {@code infinity} and {@code -infinity}, which no such column holds. */
    static void finite(String text) {
        String t = text.strip();
        if (t.equalsIgnoreCase("infinity") || t.equalsIgnoreCase("-infinity")) {
            throw new IllegalArgumentException(
                    "Postgres' infinite date or time, which no ClickHouse date or time column"
                            + " holds");
        }
    }

    /** Refuses a day outside {@code [first, last]}, naming the range, not the value. */
    static void inRange(LocalDate day, LocalDate first, LocalDate last, String type) {
        if (day.isBefore(first) || day.isAfter(last)) {
            throw new IllegalArgumentException(
                    "a "
                            + type
                            + " outside "
                            + first
                            + " to "
                            + last
                            + ", the range the ClickHouse column holds");
        }
    }

    static final class DateEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value instanceof String s) {
                finite(s);
                TsvCodec.escape(s, out); // text from elsewhere: escaped, so it stays one field
            } else {
                ascii(text(value), out);
            }
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
            LocalDate day = null;
            if (value instanceof LocalDate d) {
                day = d;
            } else if (value instanceof LocalDateTime dt) {
                day = dt.toLocalDate();
            } else if (value instanceof Instant i) {
                day = i.atOffset(ZoneOffset.UTC).toLocalDate();
            }
            if (day != null) {
                inRange(day, FIRST_DAY, LAST_DAY, "date");
                return day.toString();
            }
            if (value instanceof Number n) {
                return n.toString(); // digits: as before, ClickHouse decides what they mean
            }
            throw NumberEncoders.notA("a date", value);
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
            } else if (value instanceof String s) {
                finite(s);
                TsvCodec.escape(s, out); // text from elsewhere: escaped, so it stays one field
                return;
            } else if (value instanceof Number n) {
                ascii(n.toString(), out); // digits: as before, ClickHouse decides what they mean
                return;
            } else {
                throw NumberEncoders.notA("a date and time", value);
            }
            if (value != null) {
                inRange(
                        t.toLocalDate(),
                        precision > 0 ? FIRST_DAY_64 : FIRST_DAY,
                        precision > 0 ? LAST_DAY_64 : LAST_DAY,
                        "date and time");
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
}
