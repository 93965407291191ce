package io.sluice.connector.clickhouse.sink;

import org.apache.flink.annotation.VisibleForTesting;

/**
 * The {@code _version} of each row the SQL sink writes: {@code generation << 40 | sequence}, an
 * unsigned 64-bit number (ClickHouse {@code UInt64}).
 *
 * <h2>Why generations</h2>
 *
 * The mirror job versions a row by the source's WAL position (LSN), so a replayed change writes the
 * same row at the same version again. A Flink SQL changelog carries no such position:
 * postgres-cdc's SQL metadata has only {@code op_ts}, and the rows of a {@code GROUP BY} are not
 * source changes at all. So versions here are anchored to the <em>writer run</em> instead:
 *
 * <ul>
 *   <li>When a writer opens (a start, a failover, a restore), it reads the highest generation
 *       recorded for the table, takes the next one and records it ({@link WriterGenerations}),
 *       before it writes anything. Every row of a later run therefore has a higher version than
 *       every row of any earlier run.
 *   <li>Within a run, the writer numbers its rows 0, 1, 2, ... in the order it receives them. An
 *       upsert sink's input is keyed by the primary key, so all changes of a key reach one subtask,
 *       in order, and keep that order in their versions.
 * </ul>
 *
 * <h2>Why that gives exactly-once results</h2>
 *
 * After a failover, or a restore of an older checkpoint or savepoint the source can replay from,
 * the source replays every change since that point and the (deterministic) query emits again every
 * key those changes touch. Those rows are written in a new generation, above everything written
 * before, so the table converges to the result of the replay; rows the failed attempt wrote after
 * the restored point are overwritten (or, for a key the replay deletes, marked deleted). Rows not
 * yet written when a checkpoint was taken are in the writer's state and written, at their original
 * versions, when it is restored.
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>Non-deterministic queries ({@code PROCTIME()}, {@code NOW()}, {@code RAND()}, lookups of
 *       changing tables) may emit other keys on the replay; rows for keys the replay does not emit
 *       again are not corrected.
 *   <li>During a replay a key can show an older value until the replay reaches its newest change.
 *   <li>The replay is the source's: postgres-cdc confirms each completed checkpoint to its slot, so
 *       a restore of anything but the newest checkpoint or savepoint misses the changes between
 *       (Postgres no longer serves them), and nothing here can tell.
 *   <li>A fresh start (no checkpoint or savepoint) into a table that already has rows does not
 *       delete keys the new run never emits: start fresh into an empty or truncated table.
 *   <li>The order within a run holds only if every change of a key passes through one subtask.
 *       After a GROUP BY, a join or the upsert materializer it does; a CDC table written directly
 *       at parallelism above 1 needs {@code table.exec.sink.keyed-shuffle = FORCE} (docs).
 *   <li>Two subtasks opening together may take the same generation; they write disjoint keys, so
 *       that is harmless.
 * </ul>
 *
 * <p>Bounds: a generation has 24 bits (16,777,215 writer runs), a sequence 40 bits (about 1.1
 * trillion rows per writer run); both fail loudly rather than wrap.
 */
public final class SinkVersions {
    public static final int SEQUENCE_BITS = 40;
    public static final int GENERATION_BITS = 24;
    public static final long MAX_SEQUENCE = (1L << SEQUENCE_BITS) - 1;
    public static final long MAX_GENERATION = (1L << GENERATION_BITS) - 1;

    private final long generation;
    private long nextSequence;

    /** Versions of a writer run of the given generation (1 to {@link #MAX_GENERATION}). */
    public SinkVersions(long generation) {
        this(generation, 0);
    }

    /** Versions that start at {@code firstSequence} (tests of the sequence's end). */
    @VisibleForTesting
    SinkVersions(long generation, long firstSequence) {
        if (generation < 1 || generation > MAX_GENERATION) {
            throw new IllegalArgumentException(
                    "a sink writer generation must be between 1 and "
                            + MAX_GENERATION
                            + ", was "
                            + generation);
        }
        this.generation = generation;
        this.nextSequence = firstSequence;
    }

    /** The generation after the highest one recorded (0 when none is). */
    public static long nextGeneration(long highestRecorded) {
        if (highestRecorded < 0 || highestRecorded >= MAX_GENERATION) {
            throw new IllegalStateException(
                    "The ClickHouse sink's writer generations are used up: the highest recorded is "
                            + highestRecorded
                            + " and a version holds "
                            + GENERATION_BITS
                            + " bits of generation (at most "
                            + MAX_GENERATION
                            + "). Copy the table's current rows (FINAL) into a new table and"
                            + " write there.");
        }
        return highestRecorded + 1;
    }

    /** {@code generation << 40 | sequence}, checked. */
    public static long version(long generation, long sequence) {
        if (generation < 0 || generation > MAX_GENERATION) {
            throw new IllegalArgumentException("generation out of range: " + generation);
        }
        if (sequence < 0 || sequence > MAX_SEQUENCE) {
            throw new IllegalArgumentException("sequence out of range: " + sequence);
        }
        return generation << SEQUENCE_BITS | sequence;
    }

    /** The generation of a version ({@code version >>> 40}). */
    public static long generationOf(long version) {
        return version >>> SEQUENCE_BITS;
    }

    public long generation() {
        return generation;
    }

    /** The version of this run's next row. */
    public long next() {
        if (nextSequence > MAX_SEQUENCE) {
            throw new IllegalStateException(
                    "This ClickHouse sink writer has written "
                            + (MAX_SEQUENCE + 1)
                            + " rows in generation "
                            + generation
                            + ", all a version's "
                            + SEQUENCE_BITS
                            + " sequence bits can number; restart the job (from its latest"
                            + " checkpoint) to start a new generation.");
        }
        return version(generation, nextSequence++);
    }

    /** How many versions this run has handed out. */
    public long used() {
        return nextSequence;
    }
}
