package io.sluice.connector.clickhouse;

import io.sluice.connector.clickhouse.sink.ClickHouseUpsertSink;
import org.apache.flink.table.connector.ChangelogMode;
import org.apache.flink.table.connector.sink.DynamicTableSink;
import org.apache.flink.table.connector.sink.SinkV2Provider;

/**
 * An upsert table sink: it takes {@link ChangelogMode#upsert()} (+I, +U, -D; the planner sends no
 * -U, and one that arrives is dropped) keyed by the table's primary key, and writes each change as
 * one row of a {@code ReplacingMergeTree(_version)} table: +I and +U as the full row with {@code
 * _is_deleted = 0}, -D as the key's columns with {@code _is_deleted = 1}. Every row gets a {@code
 * _version} above all rows written before it for its key ({@code SinkVersions}), so ClickHouse
 * keeps each key's latest change and {@code SELECT ... FROM t FINAL WHERE _is_deleted = 0} reads
 * the table the changelog describes.
 */
public final class ClickHouseDynamicTableSink implements DynamicTableSink {
    private final UpsertTable table;
    private final ClickHouseEndpoint endpoint;
    private final SinkSettings settings;
    private final Integer parallelism;

    ClickHouseDynamicTableSink(
            UpsertTable table,
            ClickHouseEndpoint endpoint,
            SinkSettings settings,
            Integer parallelism) {
        this.table = table;
        this.endpoint = endpoint;
        this.settings = settings;
        this.parallelism = parallelism;
    }

    @Override
    public ChangelogMode getChangelogMode(ChangelogMode requestedMode) {
        return ChangelogMode.upsert();
    }

    @Override
    public SinkRuntimeProvider getSinkRuntimeProvider(Context context) {
        return SinkV2Provider.of(new ClickHouseUpsertSink(table, endpoint, settings), parallelism);
    }

    public UpsertTable table() {
        return table;
    }

    public ClickHouseEndpoint endpoint() {
        return endpoint;
    }

    public SinkSettings settings() {
        return settings;
    }

    public Integer parallelism() {
        return parallelism;
    }

    @Override
    public DynamicTableSink copy() {
        return new ClickHouseDynamicTableSink(table, endpoint, settings, parallelism);
    }

    @Override
    public String asSummaryString() {
        return "ClickHouse(" + table.database() + "." + table.table() + ")";
    }
}
