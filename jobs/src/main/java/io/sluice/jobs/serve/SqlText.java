package io.sluice.jobs.serve;

import java.util.ArrayList;
import java.util.List;

/**
 * The lexical regions {@link GrafanaMacros} leaves alone, as the ClickHouse plugin configures its
 * macro scanner ({@code clickHouseComments} in the plugin's pkg/macros/macros.go): {@code --} and
 * block comments, {@code '..'} strings with {@code \'} and {@code ''} escapes, {@code `..`}
 * identifiers and {@code $tag$..$tag$} strings.
 */
final class SqlText {
    private SqlText() {}

    /** The index after the quoted region or comment starting at {@code i}, or {@code i}. */
    static int skipQuotedOrComment(String sql, int i) {
        char c = sql.charAt(i);
        if (c == '\'' || c == '`') {
            int j = i + 1;
            while (j < sql.length()) {
                char d = sql.charAt(j);
                if (d == '\\' && c == '\'') {
                    j += 2;
                } else if (d == c) {
                    if (j + 1 < sql.length() && sql.charAt(j + 1) == c) {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return sql.length();
        }
        if (sql.startsWith("--", i)) {
            int end = sql.indexOf('\n', i);
            return end < 0 ? sql.length() : end;
        }
        if (sql.startsWith("/*", i)) {
            int end = sql.indexOf("*/", i + 2);
            return end < 0 ? sql.length() : end + 2;
        }
        if (c == '$') {
            int tagEnd = i + 1;
            while (tagEnd < sql.length()
                    && (Character.isLetterOrDigit(sql.charAt(tagEnd)) || sql.charAt(tagEnd) == '_')
                    && !(tagEnd == i + 1 && sql.charAt(tagEnd) == '_')) {
                tagEnd++;
            }
            if (tagEnd < sql.length() && sql.charAt(tagEnd) == '$') {
                String tag = sql.substring(i, tagEnd + 1);
                int close = sql.indexOf(tag, tagEnd + 1);
                if (close >= 0) {
                    return close + tag.length();
                }
            }
        }
        return i;
    }

    /** The index of the parenthesis closing the one at {@code open}, or -1. */
    static int closingParenthesis(String sql, int open) {
        int depth = 0;
        int i = open;
        while (i < sql.length()) {
            int skip = skipQuotedOrComment(sql, i);
            if (skip > i) {
                i = skip;
                continue;
            }
            char c = sql.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /** {@code args} split at commas outside parentheses and quotes; empty text gives none. */
    static List<String> splitTopLevel(String args) {
        List<String> parts = new ArrayList<>();
        if (args.isBlank()) {
            return parts;
        }
        int depth = 0;
        int start = 0;
        int i = 0;
        while (i < args.length()) {
            int skip = skipQuotedOrComment(args, i);
            if (skip > i) {
                i = skip;
                continue;
            }
            char c = args.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(args.substring(start, i));
                start = i + 1;
            }
            i++;
        }
        parts.add(args.substring(start));
        return parts;
    }
}
