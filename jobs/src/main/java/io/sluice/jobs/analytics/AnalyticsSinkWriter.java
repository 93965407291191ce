package io.sluice.jobs.analytics;

import io.sluice.common.clickhouse.TsvCodec;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;

/**
 * Keeps, per table and key, the newest row since the last checkpoint (a rollup re-emitted a
 * thousand times between checkpoints is written once), and encodes them as committables when the
 * checkpoint is taken.
 */
final class AnalyticsSinkWriter implements CommittingSinkWriter<AnalyticsRow, AnalyticsBatch> {
    private final Map<String, List<String>> columns;
    private final Map<String, LinkedHashMap<String, AnalyticsRow>> pending = new HashMap<>();
    private final Counter rowsCollapsed;

    AnalyticsSinkWriter(Map<String, List<String>> columns, SinkWriterMetricGroup metrics) {
        this.columns = columns;
        this.rowsCollapsed = metrics.counter("sluiceRowsReplacedBeforeCommit");
    }

    @Override
    public void write(AnalyticsRow row, Context context) {
        if (!columns.containsKey(row.table)) {
            throw new IllegalArgumentException("no analytics table named " + row.table);
        }
        LinkedHashMap<String, AnalyticsRow> rows =
                pending.computeIfAbsent(row.table, t -> new LinkedHashMap<>());
        AnalyticsRow before = rows.get(row.key);
        if (before == null || before.version <= row.version) {
            rows.put(row.key, row);
        }
        if (before != null) {
            rowsCollapsed.inc();
        }
    }

    @Override
    public void flush(boolean endOfInput) {
        // Nothing to do: rows leave as committables in prepareCommit.
    }

    @Override
    public Collection<AnalyticsBatch> prepareCommit() {
        List<AnalyticsBatch> batches = new ArrayList<>();
        for (Map.Entry<String, LinkedHashMap<String, AnalyticsRow>> e : pending.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            ByteArrayOutputStream tsv = new ByteArrayOutputStream();
            for (AnalyticsRow row : e.getValue().values()) {
                encode(row, tsv);
            }
            batches.add(
                    new AnalyticsBatch(
                            e.getKey(),
                            columns.get(e.getKey()),
                            e.getValue().size(),
                            tsv.toByteArray()));
        }
        pending.clear();
        return batches;
    }

    static void encode(AnalyticsRow row, ByteArrayOutputStream out) {
        for (int i = 0; i < row.fields.length; i++) {
            if (i > 0) {
                out.write('\t');
            }
            String f = row.fields[i];
            if (f == null) {
                out.write('\\');
                out.write('N');
            } else {
                TsvCodec.escape(f, out);
            }
        }
        out.write('\n');
    }

    @Override
    public void close() {}
}
