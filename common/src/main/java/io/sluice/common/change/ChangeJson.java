package io.sluice.common.change;

import java.math.BigDecimal;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A change's values as a JSON object, for people reading an archive or a dead letter: numbers as
 * numbers, {@code bytea} as {@code "\x..."} hex, arrays as arrays, and everything else (text,
 * temporal values in ISO-8601, NaN and the infinities) as strings.
 */
public final class ChangeJson {
    private ChangeJson() {}

    public static String of(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : values.entrySet()) {
            if (sb.length() > 1) {
                sb.append(',');
            }
            quote(sb, e.getKey());
            sb.append(':');
            value(sb, e.getValue());
        }
        return sb.append('}').toString();
    }

    private static void value(StringBuilder sb, Object v) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean
                || v instanceof Short
                || v instanceof Integer
                || v instanceof Long) {
            sb.append(v);
        } else if (v instanceof BigDecimal d) {
            sb.append(d.toPlainString());
        } else if (v instanceof Float f && Float.isFinite(f)) {
            sb.append(f);
        } else if (v instanceof Double d && Double.isFinite(d)) {
            sb.append(d);
        } else if (v instanceof byte[] bytes) {
            quote(sb, "\\x" + HexFormat.of().formatHex(bytes));
        } else if (v instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                value(sb, list.get(i));
            }
            sb.append(']');
        } else {
            // Text, temporal values (ISO-8601) and non-finite floats (NaN, Infinity).
            quote(sb, v.toString());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        sb.append('"');
    }
}
