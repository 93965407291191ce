package io.sluice.common.clickhouse;

import java.io.Serializable;

/**
 * A ClickHouse server version, for gating features: Sluice writes one SQL dialect that 18.16 and
 * 23+ both accept and uses newer types only where the server has them.
 */
public final class ServerVersion implements Serializable, Comparable<ServerVersion> {
    private static final long serialVersionUID = 1L;

    private final int major;
    private final int minor;
    private final String text;

    private ServerVersion(int major, int minor, String text) {
        this.major = major;
        this.minor = minor;
        this.text = text;
    }

    public static ServerVersion parse(String version) {
        String[] parts = version.trim().split("\\.");
        try {
            return new ServerVersion(
                    Integer.parseInt(parts[0]),
                    parts.length > 1 ? Integer.parseInt(parts[1]) : 0,
                    version.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a ClickHouse version: '" + version + "'", e);
        }
    }

    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    /** {@code DateTime64} arrived in 20.1; older servers store timestamps at whole seconds. */
    public boolean hasDateTime64() {
        return atLeast(20, 1);
    }

    /** {@code LowCardinality} is production-ready (no experimental setting) from 19.9. */
    public boolean hasLowCardinality() {
        return atLeast(19, 9);
    }

    /** The oldest server with {@link #hasTableTtl()}, for messages. */
    public static final String TABLE_TTL_SINCE = "20.10";

    /**
     * A table TTL that can be set and removed again: {@code MODIFY TTL} arrived in 19.6, {@code
     * REMOVE TTL} in 20.10. Sluice does both (an unset TTL option removes what a set one added), so
     * it needs the later one.
     */
    public boolean hasTableTtl() {
        return atLeast(20, 10);
    }

    @Override
    public int compareTo(ServerVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServerVersion v && v.major == major && v.minor == minor;
    }

    @Override
    public int hashCode() {
        return major * 1000 + minor;
    }

    @Override
    public String toString() {
        return text;
    }
}
