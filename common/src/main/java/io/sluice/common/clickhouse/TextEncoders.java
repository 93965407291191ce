package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.LocalTime;
import java.util.UUID;

/** Encoders of text columns: String, FixedString, Enum and UUID, written escaped. */
final class TextEncoders {
    private TextEncoders() {}

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
