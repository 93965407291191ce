package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.ClickHouseDdl;
import io.sluice.common.schema.PgColumn;
import io.sluice.common.schema.PgTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Names Postgres allows and SQL does not take bare (a space, an accent, quotes, a backquote, a
 * backslash, a reserved word) quoted in every statement Sluice builds from them. The expectation is
 * ClickHouse's own reading of a backquoted name ({@code readBackQuotedString}: C-style escapes, as
 * 18.16 reads them and newer servers still do), modelled in {@link #readQuoted}.
 */
class ClickHouseSqlTest {
    static final List<String> HOSTILE =
            List.of(
                    "order note",
                    "prénom",
                    "it's",
                    "say \"hi\"",
                    "back`quote",
                    "back\\slash",
                    "ends with \\",
                    "`",
                    "select",
                    "order",
                    "日本",
                    "tab\there");

    @Test
    void identifiersAreBackquotedWithBackslashEscapes() {
        assertThat(ClickHouseSql.identifier("order note")).isEqualTo("`order note`");
        assertThat(ClickHouseSql.identifier("select")).isEqualTo("`select`");
        assertThat(ClickHouseSql.identifier("prénom")).isEqualTo("`prénom`");
        assertThat(ClickHouseSql.identifier("it's \"x\"")).isEqualTo("`it's \"x\"`");
        assertThat(ClickHouseSql.identifier("a`b")).isEqualTo("`a\\`b`");
        assertThat(ClickHouseSql.identifier("a\\b")).isEqualTo("`a\\\\b`");
        // Unescaped, the trailing backslash would escape the closing backquote.
        assertThat(ClickHouseSql.identifier("x\\")).isEqualTo("`x\\\\`");
        assertThat(ClickHouseSql.qualified("d b", "t`")).isEqualTo("`d b`.`t\\``");
    }

    @Test
    void everyHostileNameReadsBackAsItself() {
        for (String name : HOSTILE) {
            String quoted = ClickHouseSql.identifier(name);
            List<String> read = new ArrayList<>();
            assertThat(readQuoted(quoted, 0, '`', read)).as(quoted).isEqualTo(quoted.length());
            assertThat(read).as(quoted).containsExactly(name);
        }
    }

    @Test
    void literalsAreSingleQuotedWithBackslashEscapes() {
        assertThat(ClickHouseSql.literal("plain")).isEqualTo("'plain'");
        assertThat(ClickHouseSql.literal("it's")).isEqualTo("'it\\'s'");
        assertThat(ClickHouseSql.literal("a\\")).isEqualTo("'a\\\\'");
        for (String text : HOSTILE) {
            List<String> read = new ArrayList<>();
            String quoted = ClickHouseSql.literal(text);
            assertThat(readQuoted(quoted, 0, '\'', read)).isEqualTo(quoted.length());
            assertThat(read).containsExactly(text);
        }
    }

    @Test
    void theInsertNamesEveryColumnQuoted() {
        List<String> columns = new ArrayList<>(HOSTILE);
        columns.add("_lsn");
        String sql = ClickHouseSql.insertTsv("sink", "orders", columns);

        assertThat(sql)
                .startsWith("INSERT INTO `sink`.`orders` (`order note`, `prénom`, `it's`, ")
                .endsWith(", `_lsn`) FORMAT TabSeparated");
        List<String> expected = new ArrayList<>(List.of("sink", "orders"));
        expected.addAll(columns);
        assertThat(quotedNames(sql)).containsExactlyElementsOf(expected);
    }

    @Test
    void theMirrorDdlQuotesEveryName() {
        List<PgColumn> columns = new ArrayList<>();
        columns.add(new PgColumn("select", "bigint", false, true, 1));
        for (String name : HOSTILE.subList(0, 8)) {
            columns.add(new PgColumn(name, "text", false, false, 0));
        }
        PgTable table = new PgTable(new TableId("public", "orders"), columns);
        ServerVersion legacy = ServerVersion.parse("18.16.1");

        String create = ClickHouseDdl.createMirrorTable("my db", "order", table, legacy);
        List<String> expected = new ArrayList<>(List.of("my db", "order", "select"));
        expected.addAll(HOSTILE.subList(0, 8));
        expected.addAll(List.of("_version", "_is_deleted", "_lsn", "select"));
        assertThat(quotedNames(create)).containsExactlyElementsOf(expected);
        assertThat(create).contains("ORDER BY (`select`)");

        String alter =
                ClickHouseDdl.addColumn(
                        "my db",
                        "order",
                        new PgColumn("ends with \\", "text", false, false, 0, "'a\\b'::text"),
                        legacy);
        assertThat(alter)
                .isEqualTo(
                        "ALTER TABLE `my db`.`order` ADD COLUMN `ends with \\\\`"
                                + " Nullable(String) DEFAULT 'a\\\\b'");
    }

    @Test
    void theToastLookupQuotesTheDatabaseTableAndColumns() {
        TableBuffer buffer =
                new TableBuffer(
                        "order",
                        List.of("key`", "back\\slash", "_version", "_is_deleted", "_lsn"),
                        List.of("String", "Nullable(String)", "UInt64", "UInt8", "UInt64"),
                        List.of("key`"));
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("key`", "it's\\");
        buffer.add(
                new ChangeRecord(
                        new TableId("public", "order"),
                        ChangeRecord.Op.UPDATE,
                        values,
                        Set.of("back\\slash"),
                        7));

        List<String> queries = buffer.pendingLookupQueries("my db");
        assertThat(queries)
                .containsExactly(
                        "SELECT `key\\``, `back\\\\slash` FROM `my db`.`order` FINAL WHERE `key\\``"
                                + " IN ('it\\'s\\\\')");
        assertThat(quotedNames(queries.get(0)))
                .containsExactly("key`", "back\\slash", "my db", "order", "key`");
    }

    /** The backquoted names of a statement, in order, as ClickHouse's lexer reads them. */
    static List<String> quotedNames(String sql) {
        List<String> names = new ArrayList<>();
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            int from = i;
            if (c == '`') {
                i = readQuoted(sql, i, '`', names);
            } else if (c == '\'') {
                i = readQuoted(sql, i, '\'', literals);
            } else {
                i++;
            }
            if (i < 0) {
                throw new AssertionError("a quote at " + from + " never closes: " + sql);
            }
        }
        return names;
    }

    /**
     * Reads the quoted text starting at {@code start} as ClickHouse does ({@code
     * readAnyQuotedString}: a backslash escapes the next character, {@code \t}, {@code \n} and
     * friends stand for control characters); adds it to {@code into} and returns the index after
     * the closing quote, or -1 when it never closes.
     */
    static int readQuoted(String sql, int start, char quote, List<String> into) {
        StringBuilder sb = new StringBuilder();
        int i = start + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (c == quote) {
                into.add(sb.toString());
                return i + 1;
            }
            if (c == '\\' && i + 1 < sql.length()) {
                char n = sql.charAt(i + 1);
                sb.append(
                        switch (n) {
                            case 't' -> '\t';
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case '0' -> '\0';
                            case 'b' -> '\b';
                            case 'f' -> '\f';
                            default -> n;
                        });
                i += 2;
            } else {
                sb.append(c);
                i++;
            }
        }
        return -1;
    }
}
