package io.sluice.jobs.serve;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.Locale;

/**
 * Escaping and number formatting for the {@link HtmlDashboard}. Every text that comes from data
 * (titles, column and series names, cells) goes through {@link #escape}: event names are chosen by
 * users and can hold markup, quotes or bytes that are not text.
 */
final class Markup {
    private Markup() {}

    /**
     * The text as HTML and XML character data or attribute value: {@code & < > " '} become
     * references, and characters that XML 1.0 forbids (control characters other than tab, line feed
     * and carriage return, lone surrogates, U+FFFE and U+FFFF) become U+FFFD, so the page and each
     * of its SVG charts stay well-formed XML. Null becomes the empty string.
     */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> {
                    if (Character.isHighSurrogate(c)
                            && i + 1 < text.length()
                            && Character.isLowSurrogate(text.charAt(i + 1))) {
                        out.append(c).append(text.charAt(++i));
                    } else if (Character.isSurrogate(c)
                            || (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                            || c == 0xFFFE
                            || c == 0xFFFF) {
                        out.append('\uFFFD');
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A cell as text for a table: numbers grouped by thousands, null as the empty string. */
    static String cell(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof Number n) {
            return number(n);
        }
        return String.valueOf(value);
    }

    /** A number in full, grouped by thousands; at most six significant digits after the point. */
    static String number(Number n) {
        if (n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte) {
            return grouped(BigDecimal.valueOf(n.longValue()));
        }
        if (n instanceof BigInteger b) {
            return grouped(new BigDecimal(b));
        }
        if (n instanceof BigDecimal b) {
            return grouped(b);
        }
        double d = n.doubleValue();
        if (!Double.isFinite(d)) {
            return Double.isNaN(d) ? "NaN" : d > 0 ? "∞" : "-∞";
        }
        if (Math.abs(d) >= 1e21) {
            return String.format(Locale.ROOT, "%.4g", d);
        }
        return grouped(new BigDecimal(d).round(new MathContext(Math.max(6, digits(d)))));
    }

    /**
     * A tick label: short with a k, M, G or T suffix, with as many decimals as {@code step} (the
     * distance between ticks) needs so that neighbouring ticks differ.
     */
    static String tick(double value, double step) {
        double abs = Math.abs(value);
        if (abs < Math.abs(step) * 1e-9) { // zero, or as good as zero after summing steps
            return "0";
        }
        if (abs >= 1e15 || Math.abs(step) >= 1e15) {
            return String.format(Locale.ROOT, "%.3g", value);
        }
        String[] suffixes = {"", "k", "M", "G", "T"};
        int unit = 0;
        while (unit < 4 && Math.max(abs, Math.abs(step)) >= Math.pow(1000, unit + 1)) {
            unit++;
        }
        double scale = Math.pow(1000, unit);
        int decimals =
                step > 0 ? (int) Math.max(0, -Math.floor(Math.log10(step / scale) + 1e-9)) : 0;
        BigDecimal scaled =
                new BigDecimal(value / scale)
                        .setScale(Math.min(decimals, 9), java.math.RoundingMode.HALF_UP);
        String text = scaled.stripTrailingZeros().toPlainString();
        return ("-0".equals(text) ? "0" : text) + suffixes[unit];
    }

    private static int digits(double d) {
        return Math.abs(d) < 1 ? 6 : (int) Math.floor(Math.log10(Math.abs(d))) + 7;
    }

    private static String grouped(BigDecimal value) {
        DecimalFormat format =
                new DecimalFormat("#,##0.######", DecimalFormatSymbols.getInstance(Locale.ROOT));
        format.setMaximumFractionDigits(Math.max(0, value.stripTrailingZeros().scale()));
        format.setParseBigDecimal(true);
        return format.format(value);
    }
}
