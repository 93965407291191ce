package io.sluice.jobs.analytics.model;

/**
 * A row of one analytics table with typed values. Its type's {@link RowEncoder} writes it as the
 * wire {@link AnalyticsRow} that flows to the sink.
 */
public interface TableRow {
    /** The table's ORDER BY columns, joined: rows with the same key replace each other. */
    String key();

    /** The row's {@code _version}: the highest wins. */
    long version();
}
