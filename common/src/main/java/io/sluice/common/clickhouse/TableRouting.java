package io.sluice.common.clickhouse;

import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * What the ClickHouse sink needs to know about the tables it writes, supplied by the job: where a
 * source table goes, its key, and how to add columns that appeared in the source.
 */
public interface TableRouting extends Serializable {

    /** The ClickHouse table (in the sink's database) that rows of {@code table} go to. */
    String clickHouseTable(TableId table);

    /** The key columns of the table: rows with equal keys are versions of one row. */
    List<String> keyColumns(TableId table);

    /**
     * Called when rows of {@code table} carry columns its ClickHouse table lacks: add them (an
     * additive schema change in the source) through {@code schema}, which runs every ALTER. Columns
     * that cannot be added are left out of the returned set; the sink then stops the job rather
     * than write the rows without their values.
     */
    Set<String> addColumns(ClickHouseSchema schema, TableId table, Set<String> missing);

    /** Releases connections the routing opened. */
    default void close() {}
}
