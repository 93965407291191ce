package io.sluice.common.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.config.TableId;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Hostile values reach ClickHouse as themselves: every value is escaped as its column's type needs,
 * so that a batch splits into exactly its rows and fields again and each field reads back as the
 * value. The reading is modelled on ClickHouse's TabSeparated input ({@code readEscapedString}: a
 * raw tab ends a field, a raw newline a row, a backslash escapes the next byte) and its quoted
 * array elements, written here apart from {@link TsvCodec}.
 */
class ValueEscapingTest {
    private static final TableId NOTES = new TableId("public", "notes");

    private static final String MEGABYTE;

    static {
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < 1 << 20) {
            sb.append("line\twith tab\\ and 'quote'\r\n");
        }
        MEGABYTE = sb.toString();
    }

    static final List<String> HOSTILE_TEXTS =
            List.of(
                    "tab\there",
                    "new\nline",
                    "carriage\rreturn",
                    "back\\slash",
                    "ends with \\",
                    "\\N",
                    "\\t is not a tab",
                    "it's \"quoted\"",
                    "nul\0byte",
                    "é ß 日本 🙂",
                    "",
                    "[1,2]",
                    MEGABYTE);

    @Test
    void hostileTextRoundTripsInEveryTextColumn() {
        TableBuffer buffer =
                buffer(
                        List.of("id", "note", "maybe", "tags"),
                        List.of("Int64", "String", "Nullable(String)", "Array(Nullable(String))"));
        for (int i = 0; i < HOSTILE_TEXTS.size(); i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", (long) i);
            v.put("note", HOSTILE_TEXTS.get(i));
            v.put("maybe", HOSTILE_TEXTS.get(i));
            v.put("tags", Arrays.asList(HOSTILE_TEXTS.get(i), null, "x"));
            buffer.add(change(v));
        }

        List<List<String>> rows = readTsv(buffer.encode());
        assertThat(rows).hasSize(HOSTILE_TEXTS.size());
        for (int i = 0; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            assertThat(row).as("row %d's fields", i).hasSize(7);
            assertThat(row.get(0)).isEqualTo(Integer.toString(i));
            assertThat(text(row.get(1))).as("row %d", i).isEqualTo(HOSTILE_TEXTS.get(i));
            assertThat(text(row.get(2))).as("row %d", i).isEqualTo(HOSTILE_TEXTS.get(i));
            assertThat(readArray(row.get(3)))
                    .as("row %d", i)
                    .containsExactly(HOSTILE_TEXTS.get(i), null, "x");
        }
    }

    @Test
    void aNullIsTheMarkerAndTheTextBackslashNIsNot() {
        TableBuffer buffer = buffer(List.of("id", "maybe"), List.of("Int64", "Nullable(String)"));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", 1L);
        v.put("maybe", null);
        buffer.add(change(v));
        v.put("id", 2L);
        v.put("maybe", "\\N");
        buffer.add(change(v));

        String tsv = new String(buffer.encode(), StandardCharsets.UTF_8);
        assertThat(tsv.lines().map(l -> l.split("\t")[1]).toList()).containsExactly("\\N", "\\\\N");
    }

    @Test
    void everyByteOfBinaryValuesRoundTrips() {
        byte[] all = new byte[256];
        for (int b = 0; b < 256; b++) {
            all[b] = (byte) b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ColumnEncoder.forType("String").write(all, out);

        byte[] field = out.toByteArray();
        for (byte b : field) {
            assertThat(b)
                    .as("a raw tab or newline would end the field")
                    .isNotIn((byte) 9, (byte) 10);
        }
        assertThat(unescape(field)).isEqualTo(all);
    }

    @Test
    void textInANumericColumnIsWrittenOnlyWhenItIsANumber() {
        assertThat(encode("Int64", "-42")).isEqualTo("-42");
        assertThat(encode("Decimal(12, 2)", "12.34")).isEqualTo("12.34");
        assertThat(encode("Float64", "NaN")).isEqualTo("nan");
        assertThat(encode("Array(Nullable(Int32))", List.of("1", "2"))).isEqualTo("[1,2]");

        for (String type : List.of("Int64", "UInt8", "Decimal(12, 2)", "Float64")) {
            for (String hostile : List.of("1\t0", "1\n2", "1,2", "1]", "secret@example.com")) {
                assertThatThrownBy(() -> encode(type, hostile))
                        .as("%s <- %s", type, hostile)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("text of " + hostile.length() + " characters")
                        .hasMessageNotContaining(hostile)
                        .hasNoCause();
            }
        }
    }

    @Test
    void textInADateColumnStaysOneField() {
        assertThat(unescape(encode("Date", "2024-01-02\tX").getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("2024-01-02\tX".getBytes(StandardCharsets.UTF_8));
        assertThat(encode("DateTime('UTC')", "2024-01-02 03:04:05\n"))
                .isEqualTo("2024-01-02 03:04:05\\n");
        assertThat(encode("Array(Nullable(Date))", List.of("2024-01-02', '1970-01-01")))
                .isEqualTo("['2024-01-02\\', \\'1970-01-01']");
    }

    @Test
    void aValueTheColumnCannotTakeIsADeadLetterNamingTheColumnNotTheValue() {
        TableBuffer buffer = buffer(List.of("id", "amount"), List.of("Int64", "Int32"));
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", 1L);
        v.put("amount", "jane@example.com");

        buffer.add(change(v));

        assertThat(buffer.rowCount()).isZero();
        assertThat(buffer.records()).hasSize(1); // kept for the checkpoint until it is written
        assertThat(buffer.rejected()).hasSize(1);
        MirrorDeadLetters.Letter letter = buffer.rejected().get(0);
        assertThat(letter.rowKey()).isEqualTo("1");
        assertThat(letter.change().lsn()).isEqualTo(7);
        assertThat(letter.reason())
                .contains("column amount (Int32) of ClickHouse table notes")
                .doesNotContain("jane");
    }

    // ---- the model of ClickHouse's reading ---------------------------------------------------

    private static TableBuffer buffer(List<String> columns, List<String> types) {
        List<String> c = new ArrayList<>(columns);
        List<String> t = new ArrayList<>(types);
        c.addAll(List.of("_version", "_is_deleted", "_lsn"));
        t.addAll(List.of("UInt64", "UInt8", "UInt64"));
        return new TableBuffer("notes", c, t, List.of("id"));
    }

    private static ChangeRecord change(Map<String, Object> values) {
        return new ChangeRecord(NOTES, ChangeRecord.Op.INSERT, values, Set.of(), 7);
    }

    private static String encode(String type, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ColumnEncoder.forType(type).write(value, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Rows of raw fields: a raw tab ends a field, a raw newline a row, and a backslash keeps the
     * next byte in the field. Scalars are then unescaped ({@link #text}); an array is parsed from
     * the raw field, its quoted elements read with their escapes ({@link #readArray}), as
     * ClickHouse reads an array in TabSeparated.
     */
    static List<List<String>> readTsv(byte[] tsv) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        ByteArrayOutputStream field = new ByteArrayOutputStream();
        for (int i = 0; i < tsv.length; i++) {
            byte b = tsv[i];
            if (b == '\\') {
                field.write(b);
                field.write(tsv[++i]); // kept escaped until the field ends
            } else if (b == '\t' || b == '\n') {
                row.add(field.toString(StandardCharsets.UTF_8));
                field.reset();
                if (b == '\n') {
                    rows.add(row);
                    row = new ArrayList<>();
                }
            } else {
                field.write(b);
            }
        }
        assertThat(field.size()).as("the batch ends with a newline").isZero();
        return rows;
    }

    static String text(String rawField) {
        return new String(
                unescape(rawField.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
    }

    /** An escaped field's bytes: {@code \t \n \r \0 \b \f} are control bytes, {@code \x} is x. */
    static byte[] unescape(byte[] escaped) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < escaped.length; i++) {
            byte b = escaped[i];
            if (b != '\\') {
                out.write(b);
                continue;
            }
            byte n = escaped[++i];
            out.write(
                    switch (n) {
                        case 't' -> '\t';
                        case 'n' -> '\n';
                        case 'r' -> '\r';
                        case '0' -> 0;
                        case 'b' -> '\b';
                        case 'f' -> '\f';
                        default -> n;
                    });
        }
        return out.toByteArray();
    }

    /** The elements of a raw array field of quoted strings and NULLs. */
    static List<String> readArray(String literal) {
        assertThat(literal).startsWith("[").endsWith("]");
        List<String> items = new ArrayList<>();
        int i = 1;
        while (i < literal.length() - 1) {
            if (literal.startsWith("NULL", i)) {
                items.add(null);
                i += 4;
            } else {
                assertThat(literal.charAt(i)).isEqualTo('\'');
                List<String> one = new ArrayList<>();
                i = ClickHouseSqlTest.readQuoted(literal, i, '\'', one);
                assertThat(i).as("the quoted element closes").isPositive();
                items.add(one.get(0));
            }
            if (literal.charAt(i) == ',') {
                i++;
            }
        }
        return items;
    }
}
