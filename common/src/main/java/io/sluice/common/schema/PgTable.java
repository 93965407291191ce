package io.sluice.common.schema;

import io.sluice.common.config.TableId;
import java.io.Serializable;
import java.util.Comparator;
import java.util.List;

/** A Postgres table: its columns in order, and which form the primary key. */
public record PgTable(TableId id, List<PgColumn> columns) implements Serializable {

    public List<PgColumn> primaryKey() {
        return columns.stream()
                .filter(PgColumn::isPrimaryKey)
                .sorted(Comparator.comparingInt(PgColumn::primaryKeyPosition))
                .toList();
    }

    public PgColumn column(String name) {
        return columns.stream().filter(c -> c.name().equals(name)).findFirst().orElse(null);
    }
}
