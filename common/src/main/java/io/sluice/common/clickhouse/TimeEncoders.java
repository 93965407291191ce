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

    static final class DateEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value instanceof String s) {
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
            if (value instanceof LocalDate d) {
                return d.toString();
            }
            if (value instanceof LocalDateTime dt) {
                return dt.toLocalDate().toString();
            }
            if (value instanceof Instant i) {
                return i.atOffset(ZoneOffset.UTC).toLocalDate().toString();
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
                TsvCodec.escape(s, out); // text from elsewhere: escaped, so it stays one field
                return;
            } else if (value instanceof Number n) {
                ascii(n.toString(), out); // digits: as before, ClickHouse decides what they mean
                return;
            } else {
                throw NumberEncoders.notA("a date and time", value);
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
