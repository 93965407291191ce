package io.sluice.jobs.analytics.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A state serializer that writes each value as its length and one block of bytes, with one call:
 * Flink's POJO and string serializers write a string a character at a time, and with snapshot
 * compression on (see {@code JobEnvironment}) every call goes through the compressor. The first
 * byte of a block is its format: a change of layout adds a format and keeps reading the earlier
 * ones.
 *
 * <p>Not thread-safe, as Flink expects of a serializer with scratch buffers: {@link #duplicate}
 * gives each thread its own.
 */
@Internal
abstract class BlockSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    private transient DataOutputSerializer block;
    private transient DataInputDeserializer reader;

    /** Writes {@code value}, format byte first. */
    abstract void writeBlock(T value, DataOutputSerializer out) throws IOException;

    /** Reads what {@link #writeBlock} wrote. */
    abstract T readBlock(DataInputDeserializer in) throws IOException;

    /**
     * Reads what {@link #writeBlock} wrote from {@code in}, which reads {@code block} (never
     * changed after): a value may keep parts of it to decode only when needed.
     */
    T readBlock(DataInputDeserializer in, byte[] block) throws IOException {
        return readBlock(in);
    }

    @Override
    public final boolean isImmutableType() {
        return false;
    }

    @Override
    public final T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public final int getLength() {
        return -1;
    }

    @Override
    public final void serialize(T value, DataOutputView target) throws IOException {
        if (block == null) {
            block = new DataOutputSerializer(256);
        }
        block.clear();
        writeBlock(value, block);
        target.writeInt(block.length());
        target.write(block.getSharedBuffer(), 0, block.length());
    }

    @Override
    public final T deserialize(DataInputView source) throws IOException {
        byte[] bytes = new byte[source.readInt()];
        source.readFully(bytes);
        if (reader == null) {
            reader = new DataInputDeserializer();
        }
        reader.setBuffer(bytes);
        return readBlock(reader, bytes);
    }

    @Override
    public final T deserialize(T reuse, DataInputView source) throws IOException {
        return deserialize(source);
    }

    @Override
    public final void copy(DataInputView source, DataOutputView target) throws IOException {
        int length = source.readInt();
        target.writeInt(length);
        target.write(source, length);
    }

    /** Checks the format byte a block starts with. */
    static void readFormat(DataInputDeserializer in, int expected, String what) throws IOException {
        int format = in.readByte();
        if (format != expected) {
            throw new IOException("unknown " + what + " state format " + format);
        }
    }

    /** A string as its UTF-8 length (−1 for null) and bytes. */
    static void writeText(DataOutputView out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        // One array copy (the JDK's encoder copies a Latin-1 string's ASCII bytes in one step),
        // cheaper than a call per character even for a 36-character id.
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    /** The string {@link #writeText} wrote at {@code at} of {@code block}. */
    static String readText(byte[] block, int at) {
        int length = intAt(block, at);
        return length < 0 ? null : new String(block, at + 4, length, StandardCharsets.UTF_8);
    }

    /** The big-endian int at {@code at} of {@code block} (as {@code writeInt} wrote it). */
    static int intAt(byte[] block, int at) {
        return ((block[at] & 0xff) << 24)
                | ((block[at + 1] & 0xff) << 16)
                | ((block[at + 2] & 0xff) << 8)
                | (block[at + 3] & 0xff);
    }

    static String readText(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            return null;
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object obj) {
        return obj != null && obj.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}
