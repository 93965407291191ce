package io.sluice.testkit;

/**
 * The two ClickHouse engines the tests run on: the oldest server Sluice supports and the version
 * its users run. Use it as {@code @EnumSource(ClickHouseEngine.class)} to run a test on both.
 */
public enum ClickHouseEngine {
    /** Debian's clickhouse-server 18.16, a real server ({@link ClickHouseServer}). */
    LEGACY,
    /** ClickHouse 26.7 as the chDB engine behind an HTTP adapter ({@link ChdbServer}). */
    MODERN
}
