package io.sluice.common.clickhouse;

import java.util.List;
import java.util.Optional;
import org.apache.flink.annotation.Internal;

/**
 * What the sink writers and {@link ClickHouseSchema} ask of ClickHouse: a {@link
 * ClickHouseConnection}, or a unit test's fake. Public for the SQL connector's writer (module
 * {@code connector}) and its tests.
 */
@Internal
public interface ClickHouseStatements extends AutoCloseable {
    /** Rows as raw TabSeparated fields (see {@link ClickHouseConnection#query}). */
    List<List<String>> query(String sql);

    void execute(String sql);

    void insertTsv(String table, List<String> columns, byte[] tsv);

    /** The database the connection works in. */
    String database();

    ServerVersion serverVersion();

    /**
     * The ClickHouse cluster whose Distributed tables this connection writes and reads ({@code
     * clickhouse.cluster}); empty for a single server.
     */
    default Optional<String> cluster() {
        return Optional.empty();
    }

    @Override
    void close();
}
