package io.sluice.jobs.mirror;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.flink.annotation.Internal;

/**
 * Column names as Postgres' catalog spells them, from the names Debezium's pgoutput decoder gives
 * streamed changes. That decoder (Debezium 1.9.8, which Flink CDC 3.5 uses) reads a relation
 * message's names byte by byte and widens each signed byte to a char ({@code
 * PgOutputMessageDecoder.readString}): ASCII survives, but every byte of a multi-byte UTF-8
 * character becomes a char from U+FF80 to U+FFFF ({@code é} = C3 A9 arrives as U+FFC3 U+FFA9,
 * {@code prénom} as {@code prￃﾩnom}). The snapshot reads names over JDBC and gets them right, so
 * the same column would go by two names, and the streamed one matches neither the catalog, the
 * ClickHouse column, the primary key nor the {@code pii.columns} entries.
 *
 * <p>The repair undoes exactly that widening: a name made only of ASCII and chars from U+FF80 has
 * each of those chars narrowed back to its byte, and the bytes are decoded as UTF-8. A name that
 * holds any other non-ASCII char was not widened (JDBC's names, or a decoder that got it right) and
 * stays as it is; so does one whose bytes are not valid UTF-8. The one name this would change
 * wrongly is a real one spelled only with ASCII and halfwidth forms from U+FF80 whose low bytes
 * happen to be valid UTF-8.
 */
@Internal
public final class PgOutputNames {
    private PgOutputNames() {}

    /** The first char a widened byte becomes: (char) (byte) 0x80. */
    private static final char WIDENED = '\uFF80';

    /** {@code name} with its widened bytes decoded again; the same String when none are. */
    public static String repair(String name) {
        boolean widened = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c >= WIDENED) {
                widened = true;
            } else if (c >= 0x80) {
                return name; // a real non-ASCII char: this name was decoded properly
            }
        }
        if (!widened) {
            return name;
        }
        byte[] bytes = new byte[name.length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) name.charAt(i);
        }
        CharsetDecoder utf8 =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer decoded = utf8.decode(ByteBuffer.wrap(bytes));
            return decoded.toString();
        } catch (CharacterCodingException notUtf8) {
            return name;
        }
    }
}
