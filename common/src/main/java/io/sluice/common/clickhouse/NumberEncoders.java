package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;

/** Encoders of numeric columns: integers (and Bool), floats and decimals. */
final class NumberEncoders {
    private NumberEncoders() {}

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
}
