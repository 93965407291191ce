package io.sluice.common.clickhouse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * ClickHouse's TabSeparated escaping, byte for byte as the server writes it, so a field the server
 * returned can be written back unchanged and a key Sluice encodes compares equal to the server's.
 */
public final class TsvCodec {
    private TsvCodec() {}

    /** The character after the backslash for each byte that needs one; 0 for none. */
    private static final byte[] ESCAPED = new byte[128];

    static {
        ESCAPED['\\'] = '\\';
        ESCAPED['\t'] = 't';
        ESCAPED['\n'] = 'n';
        ESCAPED['\r'] = 'r';
        ESCAPED[0] = '0';
        ESCAPED['\b'] = 'b';
        ESCAPED['\f'] = 'f';
        ESCAPED['\''] = '\'';
    }

    /**
     * Appends {@code bytes} escaped for a TabSeparated field (or inside a quoted literal). The runs
     * between escapes go out in one call each: {@link ByteArrayOutputStream#write(int)} is
     * synchronized, and a call per byte was the largest single frame of a benchmark profile.
     */
    public static void escape(byte[] bytes, ByteArrayOutputStream out) {
        int run = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b >= 0 && ESCAPED[b] != 0) {
                out.write(bytes, run, i - run);
                out.write('\\');
                out.write(ESCAPED[b]);
                run = i + 1;
            }
        }
        out.write(bytes, run, bytes.length - run);
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
