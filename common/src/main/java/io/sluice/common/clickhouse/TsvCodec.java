package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * ClickHouse's TabSeparated escaping, byte for byte as the server writes it, so a field the server
 * returned can be written back unchanged and a key Sluice encodes compares equal to the server's.
 */
public final class TsvCodec {
    private TsvCodec() {}

    /** Appends {@code bytes} escaped for a TabSeparated field (or inside a quoted literal). */
    public static void escape(byte[] bytes, ByteArrayOutputStream out) {
        for (byte b : bytes) {
            switch (b) {
                case '\\' -> {
                    out.write('\\');
                    out.write('\\');
                }
                case '\t' -> {
                    out.write('\\');
                    out.write('t');
                }
                case '\n' -> {
                    out.write('\\');
                    out.write('n');
                }
                case '\r' -> {
                    out.write('\\');
                    out.write('r');
                }
                case 0 -> {
                    out.write('\\');
                    out.write('0');
                }
                case '\b' -> {
                    out.write('\\');
                    out.write('b');
                }
                case '\f' -> {
                    out.write('\\');
                    out.write('f');
                }
                case '\'' -> {
                    out.write('\\');
                    out.write('\'');
                }
                default -> out.write(b);
            }
        }
    }

    public static void escape(String text, ByteArrayOutputStream out) {
        escape(text.getBytes(StandardCharsets.UTF_8), out);
    }

    /** Reverses {@link #escape}: the text of a TabSeparated field as the server wrote it. */
    public static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder sb = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '\\' || i + 1 == field.length()) {
                sb.append(c);
                continue;
            }
            char n = field.charAt(++i);
            switch (n) {
                case 't' -> sb.append('\t');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case '0' -> sb.append('\0');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'N' -> sb.append("\\N");
                default -> sb.append(n);
            }
        }
        return sb.toString();
    }

    /** True when the raw field is ClickHouse's NULL marker. */
    public static boolean isNull(String rawField) {
        return "\\N".equals(rawField);
    }
}
