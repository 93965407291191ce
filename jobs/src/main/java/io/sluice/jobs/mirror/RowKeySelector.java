package io.sluice.jobs.mirror;

import io.sluice.common.change.ChangeRecord;
import io.sluice.common.clickhouse.TableRouting;
import java.util.List;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Keys a change by table and primary key, so all versions of a row go to one sink subtask, in order
 * (which the unchanged-TOAST lookup relies on).
 */
final class RowKeySelector implements KeySelector<ChangeRecord, String> {
    private static final long serialVersionUID = 1L;

    private final TableRouting routing;

    /** {@code routing} must know the keys without I/O: this runs for every record. */
    RowKeySelector(TableRouting routing) {
        this.routing = routing;
    }

    @Override
    public String getKey(ChangeRecord r) {
        StringBuilder sb = new StringBuilder(r.table().qualified());
        List<String> key = routing.keyColumns(r.table());
        for (String column : key) {
            Object v = r.values().get(column);
            sb.append('\u0001')
                    .append(
                            v instanceof byte[] b
                                    ? java.util.Arrays.toString(b)
                                    : String.valueOf(v));
        }
        return sb.toString();
    }
}
