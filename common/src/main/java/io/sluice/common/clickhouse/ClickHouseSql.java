package io.sluice.common.clickhouse;

import java.util.List;
import java.util.stream.Collectors;

/**
 * How a name or a text becomes part of a ClickHouse statement: the one place Sluice quotes them.
 * Every database, table and column name it emits, in DDL, {@code ALTER}, {@code INSERT} column
 * lists and the queries it builds, goes through {@link #identifier}, because a mirrored column is
 * named by whoever writes the Postgres schema: {@code "order note"}, {@code "prénom"}, {@code
 * "select"} or {@code "a`b\c"} are all valid there.
 *
 * <p>Identifiers are backquoted with backslash escapes ({@code \`} and {@code \\}): ClickHouse
 * 18.16 reads a backquoted name with C-style escapes only, newer servers read both those and a
 * doubled backquote, so backslash escapes are the form every supported server parses. String
 * literals are single-quoted with the same escapes.
 */
public final class ClickHouseSql {
    private ClickHouseSql() {}

    /** A database, table or column name, backquoted: {@code a`b\c} becomes {@code `a\`b\\c`}. */
    public static String identifier(String name) {
        StringBuilder sb = new StringBuilder(name.length() + 2).append('`');
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '`' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('`').toString();
    }

    /** {@code `database`.`table`}. */
    public static String qualified(String database, String table) {
        return identifier(database) + "." + identifier(table);
    }

    /** The names, each quoted, comma-separated: a column list. */
    public static String identifiers(List<String> names) {
        return names.stream().map(ClickHouseSql::identifier).collect(Collectors.joining(", "));
    }

    /** A string literal: {@code it's} becomes {@code 'it\'s'}. */
    public static String literal(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 2).append('\'');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\'' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('\'').toString();
    }

    /**
     * The statement that inserts TabSeparated rows into the named columns; the text the client
     * sends is built from the same quoted names ({@link ClickHouseConnection#insertTsv}).
     */
    public static String insertTsv(String database, String table, List<String> columns) {
        return "INSERT INTO "
                + qualified(database, table)
                + " ("
                + identifiers(columns)
                + ") FORMAT TabSeparated";
    }
}
