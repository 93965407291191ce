package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Encoders of numeric columns: integers (and Bool), floats and decimals. Numbers are written as the
 * digits Java prints for them. A value of another type (text, after a column's Postgres type
 * changed) is written only when its text is a number of the column's kind; anything else is refused
 * here, because a number is written unquoted and a stray tab, newline, comma or bracket would end
 * the field, the row or the array literal early and shift the row's remaining values into other
 * columns. The message names the value's type and length, never the value (it may be personal
 * data).
 */
final class NumberEncoders {
    private NumberEncoders() {}

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern DECIMAL =
            Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    static IllegalArgumentException notA(String kind, Object value) {
        String what =
                value instanceof CharSequence s
                        ? "a text of " + s.length() + " characters"
                        : "a value of type " + value.getClass().getSimpleName();
        return new IllegalArgumentException(what + " is not " + kind);
    }

    private static boolean integral(Object value) {
        return value instanceof Long
                || value instanceof Integer
                || value instanceof Short
                || value instanceof Byte
                || value instanceof BigInteger;
    }

    static final class IntegerEncoder extends ColumnEncoder {
        @Override
        public void write(Object value, ByteArrayOutputStream out) {
            if (value == null) {
                out.write('0');
            } else if (value instanceof Boolean b) {
                out.write(b ? '1' : '0');
            } else if (integral(value)) {
                ascii(value.toString(), out);
            } else if (value instanceof BigDecimal d) {
                ascii(d.toPlainString(), out);
            } else if (value instanceof Number n) {
                ascii(Long.toString(n.longValue()), out);
            } else if (value instanceof String s && INTEGER.matcher(s).matches()) {
                ascii(s, out);
            } else {
                throw notA("an integer", value);
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
            double d;
            if (value instanceof Number n) {
                d = n.doubleValue();
            } else if (value instanceof String s) {
                try {
                    d = Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    // Not chained: its message quotes the text.
                    throw notA("a floating-point number", value);
                }
            } else {
                throw notA("a floating-point number", value);
            }
            // What is written is the parsed number's own text, never the value's.
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
            } else if (integral(value)) {
                ascii(value.toString(), out);
            } else if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                ascii(BigDecimal.valueOf(n.doubleValue()).toPlainString(), out);
            } else if (value instanceof String s && DECIMAL.matcher(s).matches()) {
                ascii(s, out);
            } else {
                throw notA("a decimal number", value);
            }
        }

        @Override
        void writeQuoted(Object value, ByteArrayOutputStream out) {
            write(value, out);
        }
    }
}
