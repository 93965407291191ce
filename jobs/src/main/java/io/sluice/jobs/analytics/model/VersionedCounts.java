package io.sluice.jobs.analytics.model;

import io.sluice.common.change.Versions;
import java.io.IOException;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;

/**
 * The keyed state of a counting rollup: the counts of the current key and the version of its last
 * emitted row, which grows with every emission and never falls below the LSN of the change that
 * caused it, so each row replaces the one before, across runs too.
 */
public final class VersionedCounts {
    private final ValueState<long[]> counts;
    private final ValueState<Long> version;
    private final long versionBase;

    public VersionedCounts(RuntimeContext context, String countsName) {
        this(context, countsName, 0);
    }

    /**
     * @param versionBase the first row of a key gets a version above it: a backfill starts above
     *     every version already written
     */
    public VersionedCounts(RuntimeContext context, String countsName, long versionBase) {
        this.versionBase = versionBase;
        this.counts =
                context.getState(
                        new ValueStateDescriptor<>(
                                countsName, PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
        this.version = context.getState(new ValueStateDescriptor<>("version", Types.LONG));
    }

    /** Adds {@code sign × increments} to the key's counts; returns the counts. */
    public long[] add(long[] increments, int sign) throws IOException {
        long[] c = counts.value();
        if (c == null) {
            c = new long[increments.length];
        } else if (c.length < increments.length) {
            // State from a release whose rollup counted fewer things (sessions_daily before its
            // events column): the new counts start at 0 for the keys still open.
            c = java.util.Arrays.copyOf(c, increments.length);
        }
        for (int i = 0; i < c.length; i++) {
            c[i] += sign * increments[i];
        }
        counts.update(c);
        return c;
    }

    /**
     * The version for the row about to be emitted because of a change at {@code lsn}: above the
     * key's last version and not below the change ({@link Versions#next}).
     */
    public long nextVersion(long lsn) throws IOException {
        Long v = version.value();
        long next = Versions.next(v == null ? versionBase : v, lsn);
        version.update(next);
        return next;
    }

    public void clear() {
        counts.clear();
        version.clear();
    }
}
