package io.sluice.common.schema;

import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** What Sluice reads from, and sets up in, the source database's catalog. */
public final class PostgresCatalog implements AutoCloseable {
    private static final String COLUMNS_SQL =
            "SELECT a.attname,"
                    + " CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod)"
                    + "      ELSE format_type(a.atttypid, a.atttypmod) END AS type_text,"
                    + " (t.typtype = 'e' OR et.typtype = 'e') AS is_enum,"
                    + " a.attnotnull,"
                    // indkey is an int2vector (0-based when cast): take the 1-based ordinality.
                    + " COALESCE((SELECT k.ord FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)"
                    + "   WHERE k.attnum = a.attnum), 0) AS pk_pos,"
                    // A generated column's expression is in pg_attrdef too: it is no default.
                    + " CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END"
                    + "   AS default_expr,"
                    + " a.attgenerated <> '' AS generated"
                    + " FROM pg_attribute a"
                    + " JOIN pg_class c ON c.oid = a.attrelid"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " JOIN pg_type t ON t.oid = a.atttypid"
                    + " LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'"
                    + " LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
                    + " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
                    + " WHERE n.nspname = ? AND c.relname = ? AND c.relkind IN ('r', 'p')"
                    + " AND a.attnum > 0 AND NOT a.attisdropped"
                    + " ORDER BY a.attnum";

    private final Connection connection;

    public PostgresCatalog(Connection connection) {
        this.connection = connection;
    }

    public static PostgresCatalog connect(SluiceConfig config) throws SQLException {
        return new PostgresCatalog(openConnection(config));
    }

    static {
        // On a session cluster each job's jar has a class loader of its own, and DriverManager
        // serves a caller only a driver its own loader registered: until something of the job
        // loads the driver class, DriverManager answers "no suitable driver". Seen on a
        // TaskManager restoring a rescaled job, whose lifecycle guard connected first (every
        // restart failed). Loading it here registers this loader's driver. On a flat class path
        // (a MiniCluster, the tests) it is the driver DriverManager already has.
        try {
            Class.forName("org.postgresql.Driver", true, PostgresCatalog.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A JDBC connection to the Postgres database a configuration names. */
    public static Connection openConnection(SluiceConfig config) throws SQLException {
        return DriverManager.getConnection(
                config.postgresJdbcUrl(),
                config.get(PostgresSourceOptions.USER),
                config.get(PostgresSourceOptions.PASSWORD));
    }

    /** The primary-key columns of each table, in key order (tables without one are left out). */
    public Map<TableId, List<String>> primaryKeys(List<TableId> tables) throws SQLException {
        Map<TableId, List<String>> keys = new java.util.LinkedHashMap<>();
        for (TableId id : tables) {
            Optional<PgTable> table = table(id);
            if (table.isPresent() && !table.get().primaryKey().isEmpty()) {
                keys.put(id, table.get().primaryKey().stream().map(PgColumn::name).toList());
            }
        }
        return keys;
    }

    public Connection connection() {
        return connection;
    }

    /** The table's columns, or empty when there is no such table. */
    public Optional<PgTable> table(TableId id) throws SQLException {
        List<PgColumn> columns = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(COLUMNS_SQL)) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(
                            new PgColumn(
                                    rs.getString(1),
                                    rs.getString(2),
                                    rs.getBoolean(3),
                                    rs.getBoolean(4),
                                    rs.getInt(5),
                                    rs.getString(6),
                                    rs.getBoolean(7)));
                }
            }
        }
        return columns.isEmpty() ? Optional.empty() : Optional.of(new PgTable(id, columns));
    }

    /**
     * What is wrong with the table's replica identity for a mirror keyed by primary key, or null
     * when nothing is: {@code NOTHING} (once the table is published, Postgres refuses every UPDATE
     * and DELETE of it), or {@code USING INDEX} of an index without every primary-key column (a
     * delete would not say which row). The default (the primary key) and {@code FULL} are fine.
     */
    public String replicaIdentityProblem(TableId id) throws SQLException {
        try (PreparedStatement ps =
                connection.prepareStatement(
                        "SELECT c.relreplident, ri.indexrelid::regclass::text,"
                                + " (SELECT bool_and(k = ANY(ri.indkey::int2[]))"
                                + "    FROM pg_index pk, unnest(pk.indkey::int2[]) k"
                                + "    WHERE pk.indrelid = c.oid AND pk.indisprimary)"
                                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " LEFT JOIN pg_index ri ON ri.indrelid = c.oid AND ri.indisreplident"
                                + " WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String identity = rs.getString(1);
                if (identity.equals("n")) {
                    return "REPLICA IDENTITY NOTHING: once it is published, Postgres refuses its"
                            + " UPDATEs and DELETEs";
                }
                if (identity.equals("i") && !rs.getBoolean(3)) {
                    return "REPLICA IDENTITY USING INDEX "
                            + rs.getString(2)
                            + ", which lacks primary-key columns: its deletes would not say"
                            + " which row went";
                }
                return null;
            }
        }
    }

    /**
     * What the connected user lacks to read the table for the snapshot, empty when nothing is
     * missing: {@code USAGE} on its schema, {@code SELECT} on the table. Each is a statement for
     * whoever owns them to run.
     */
    public List<String> missingGrants(TableId id) throws SQLException {
        List<String> missing = new ArrayList<>();
        String schema = quote(id.schema());
        String table = schema + "." + quote(id.table());
        try (PreparedStatement ps =
                connection.prepareStatement(
                        "SELECT has_schema_privilege(current_user, n.oid, 'USAGE'),"
                                + " has_table_privilege(current_user, c.oid, 'SELECT')"
                                + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                                + " WHERE n.nspname = ? AND c.relname = ?")) {
            ps.setString(1, id.schema());
            ps.setString(2, id.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    if (!rs.getBoolean(1)) {
                        missing.add(
                                "GRANT USAGE ON SCHEMA " + schema + " TO " + quote(currentUser()));
                    }
                    if (!rs.getBoolean(2)) {
                        missing.add("GRANT SELECT ON " + table + " TO " + quote(currentUser()));
                    }
                }
            }
        }
        return missing;
    }

    String currentUser() throws SQLException {
        return queryString("SELECT current_user");
    }

    public String walLevel() throws SQLException {
        return queryString("SHOW wal_level");
    }

    /** The user can open a replication connection: the REPLICATION attribute, or superuser. */
    public boolean canReplicate(String user) throws SQLException {
        try (PreparedStatement ps =
                connection.prepareStatement(
                        "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = ?")) {
            ps.setString(1, user);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    public int serverVersionNum() throws SQLException {
        return Integer.parseInt(queryString("SHOW server_version_num"));
    }

    /** Row filters and column lists in publications: Postgres 15 and later. */
    public static final int ROW_FILTERS_SINCE = 150000;

    /**
     * Generated columns in logical replication (the publication option {@code
     * publish_generated_columns}): Postgres 18 and later. Before, pgoutput leaves them out of every
     * change, so the mirror cannot keep them current.
     */
    public static final int GENERATED_COLUMNS_SINCE = 180000;

    /**
     * The table as logical replication delivers it, which is what the mirror can keep: before
     * Postgres 18 without its generated columns.
     */
    public Optional<PgTable> replicatedTable(TableId id) throws SQLException {
        Optional<PgTable> table = table(id);
        if (table.isEmpty() || serverVersionNum() >= GENERATED_COLUMNS_SINCE) {
            return table;
        }
        return Optional.of(
                new PgTable(
                        id, table.get().columns().stream().filter(c -> !c.generated()).toList()));
    }

    /**
     * For each table, the columns logical replication does not deliver (generated columns before
     * Postgres 18): the mirror leaves them out of the snapshot too, so that no value of theirs is
     * ever written and then left stale.
     */
    public Map<TableId, Set<String>> unreplicatedColumns(List<TableId> tables) throws SQLException {
        Map<TableId, Set<String>> columns = new java.util.LinkedHashMap<>();
        if (serverVersionNum() >= GENERATED_COLUMNS_SINCE) {
            return columns;
        }
        for (TableId id : tables) {
            Set<String> generated = new LinkedHashSet<>();
            for (PgColumn c : table(id).map(PgTable::columns).orElse(List.of())) {
                if (c.generated()) {
                    generated.add(c.name());
                }
            }
            if (!generated.isEmpty()) {
                columns.put(id, generated);
            }
        }
        return columns;
    }

    /**
     * Makes the publication cover exactly what Sluice captures: created for the listed tables when
     * absent (Flink CDC would otherwise create one FOR ALL TABLES), extended when it lacks some.
     * Tables it already has beyond these are left alone: another pipeline may use them.
     *
     * <p>From Postgres 15 a publication can publish a table with a row filter ({@code WHERE}) or a
     * column list: the mirror would then silently lack rows or columns, so a captured table
     * published that way is refused (a {@link ConfigException} that says how to fix it). Before 15
     * there are neither, and {@code pg_publication_tables} has no columns to read them from.
     */
    public void ensurePublication(String publication, List<TableId> tables) throws SQLException {
        new PostgresPublication(this).ensure(publication, tables);
    }

    private String queryString(String sql) throws SQLException {
        try (Statement st = connection.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A Postgres identifier, double-quoted. */
    public static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
