package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.util.List;

/** Encoders that wrap another column's encoder: {@code Nullable(T)} and {@code Array(T)}. */
final class WrapperEncoders {
    private WrapperEncoders() {}

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
}
