package io.sluice.common.schema;

import io.sluice.common.config.ConfigException;
import io.sluice.common.config.TableId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Sets up the publication Sluice captures through, reading the catalog it belongs to; {@link
 * PostgresCatalog#ensurePublication} is its entry point.
 */
final class PostgresPublication {
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private final PostgresCatalog catalog;

    PostgresPublication(PostgresCatalog catalog) {
        this.catalog = catalog;
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
    void ensure(String publication, List<TableId> tables) throws SQLException {
        Set<TableId> published = new LinkedHashSet<>();
        boolean exists = false;
        boolean filters = catalog.serverVersionNum() >= PostgresCatalog.ROW_FILTERS_SINCE;
        List<String> problems = new ArrayList<>();
        try (PreparedStatement ps =
                catalog.connection()
                        .prepareStatement(
                                "SELECT p.puballtables, pt.schemaname, pt.tablename,"
                                        + (filters
                                                ? " pt.rowfilter, pt.attnames::text[]"
                                                : " NULL::text, NULL::text[]")
                                        + " FROM pg_publication p"
                                        + " LEFT JOIN pg_publication_tables pt ON pt.pubname = p.pubname"
                                        + " WHERE p.pubname = ?")) {
            ps.setString(1, publication);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    exists = true;
                    if (rs.getBoolean(1)) {
                        return;
                    }
                    if (rs.getString(2) != null) {
                        TableId table = new TableId(rs.getString(2), rs.getString(3));
                        published.add(table);
                        if (tables.contains(table)) {
                            java.sql.Array attnames = rs.getArray(5);
                            checkPublishedWhole(
                                    publication,
                                    table,
                                    rs.getString(4),
                                    attnames == null
                                            ? null
                                            : List.of((Object[]) attnames.getArray()),
                                    problems);
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        List<String> missing = new ArrayList<>();
        for (TableId t : tables) {
            if (!published.contains(t)) {
                missing.add(
                        PostgresCatalog.quote(t.schema()) + "." + PostgresCatalog.quote(t.table()));
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        String statement;
        if (!exists) {
            List<String> options = new ArrayList<>();
            if (catalog.serverVersionNum() >= 130000) {
                options.add("publish_via_partition_root = true");
            }
            if (catalog.serverVersionNum() >= PostgresCatalog.GENERATED_COLUMNS_SINCE) {
                options.add("publish_generated_columns = stored");
            }
            String with = options.isEmpty() ? "" : " WITH (" + String.join(", ", options) + ")";
            statement =
                    "CREATE PUBLICATION "
                            + PostgresCatalog.quote(publication)
                            + " FOR TABLE "
                            + String.join(", ", missing)
                            + with;
        } else {
            statement =
                    "ALTER PUBLICATION "
                            + PostgresCatalog.quote(publication)
                            + " ADD TABLE "
                            + String.join(", ", missing);
        }
        try (Statement st = catalog.connection().createStatement()) {
            st.execute(statement);
        } catch (SQLException e) {
            if (!INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
                throw e;
            }
            // Only a table's owner (or a superuser) may publish it: a least-privilege role reads
            // through a publication its tables' owner made (sql/postgres/02_replication_role.sql).
            throw new ConfigException(
                    List.of(
                            "publication "
                                    + publication
                                    + (exists ? " lacks " : " does not exist for ")
                                    + String.join(", ", missing)
                                    + ", and Postgres user '"
                                    + catalog.currentUser()
                                    + "' may not "
                                    + (exists ? "add them" : "create it")
                                    + " ("
                                    + e.getMessage().lines().findFirst().orElse("")
                                    + "): have the tables' owner or a superuser run "
                                    + statement
                                    + ";"));
        }
    }

    /**
     * Adds a problem when the publication publishes the table with a row filter, or with a column
     * list that leaves out some of its columns (generated columns aside: no publication sends them
     * before Postgres 18).
     */
    private void checkPublishedWhole(
            String publication,
            TableId table,
            String rowFilter,
            List<Object> columns,
            List<String> problems)
            throws SQLException {
        String fix =
                ": the mirror needs all of it. Publish it whole (ALTER PUBLICATION "
                        + PostgresCatalog.quote(publication)
                        + " SET TABLE ...), or give Sluice a publication of its own"
                        + " (postgres.publication)";
        if (rowFilter != null) {
            problems.add(
                    "publication '"
                            + publication
                            + "' publishes "
                            + table
                            + " with a row filter (WHERE "
                            + rowFilter
                            + ")"
                            + fix);
        }
        if (columns == null) {
            return;
        }
        List<String> left = new ArrayList<>();
        for (PgColumn c : catalog.table(table).map(PgTable::columns).orElse(List.of())) {
            if (!c.generated() && !columns.contains(c.name())) {
                left.add(c.name());
            }
        }
        if (!left.isEmpty()) {
            problems.add(
                    "publication '"
                            + publication
                            + "' publishes "
                            + table
                            + " with a column list that leaves out "
                            + String.join(", ", left)
                            + fix);
        }
    }
}
