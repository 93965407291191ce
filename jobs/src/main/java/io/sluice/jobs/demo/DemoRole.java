package io.sluice.jobs.demo;

import io.sluice.common.schema.PostgresCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies the shipped role script ({@code sql/postgres/02_replication_role.sql}) to a database, as
 * its reader would after editing it: the database name and the password filled in, nothing else
 * changed. Run again, it leaves what exists: an existing role gets {@code ALTER ROLE} with the same
 * attributes, an existing publication is kept. {@code ./sluice demo} runs its job as that role;
 * {@code RoleIT} does the same.
 *
 * <p>{@code DemoRole --jdbc-url URL --user SUPERUSER --script FILE}; the superuser's password in
 * {@code SLUICE_PG_PASSWORD} and the role's in {@code SLUICE_ROLE_PASSWORD}: never on a command
 * line.
 */
public final class DemoRole {
    /** The role and publication the script makes. */
    public static final String ROLE = "sluice";

    private static final String PUBLICATION = "sluice";
    static final String ROLE_PASSWORD_ENV = "SLUICE_ROLE_PASSWORD";

    private DemoRole() {}

    public static void main(String[] args) throws Exception {
        DemoWorkload.Args a = new DemoWorkload.Args(args);
        String password = System.getenv(ROLE_PASSWORD_ENV);
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException(
                    "set the role's password in the environment variable " + ROLE_PASSWORD_ENV);
        }
        try (Connection pg =
                DriverManager.getConnection(
                        a.get("--jdbc-url", null),
                        a.get("--user", "postgres"),
                        DemoWorkload.password(a, System.getenv()))) {
            apply(pg, Path.of(a.get("--script", "sql/postgres/02_replication_role.sql")), password);
        }
        System.out.println(
                "The job reads as Postgres role '"
                        + ROLE
                        + "': REPLICATION and SELECT on the captured tables, no superuser, owns"
                        + " nothing; the publication '"
                        + PUBLICATION
                        + "' is the tables' owner's.");
    }

    /**
     * Runs the script's statements in the connection's database, as the connection's user (a
     * superuser: part 1's author, and allowed part 2 as the tables' owner is).
     */
    public static void apply(Connection superuser, Path script, String password)
            throws IOException, SQLException {
        String database;
        try (Statement st = superuser.createStatement();
                ResultSet rs = st.executeQuery("SELECT current_database()")) {
            rs.next();
            database = rs.getString(1);
        }
        boolean roleExists = exists(superuser, "SELECT 1 FROM pg_roles WHERE rolname = ?", ROLE);
        boolean publicationExists =
                exists(superuser, "SELECT 1 FROM pg_publication WHERE pubname = ?", PUBLICATION);
        try (Statement st = superuser.createStatement()) {
            for (String statement : statements(script)) {
                if (statement.startsWith("CREATE ROLE " + ROLE + " ") && roleExists) {
                    statement = statement.replaceFirst("CREATE ROLE", "ALTER ROLE");
                }
                if (statement.startsWith("CREATE PUBLICATION " + PUBLICATION + " ")
                        && publicationExists) {
                    continue;
                }
                st.execute(
                        statement
                                .replace(
                                        "DATABASE app ",
                                        "DATABASE " + PostgresCatalog.quote(database) + " ")
                                .replace(
                                        "PASSWORD 'change-me'",
                                        "PASSWORD '" + password.replace("'", "''") + "'"));
            }
        }
    }

    /** The script's statements, comments left out. */
    public static List<String> statements(Path script) throws IOException {
        StringBuilder sql = new StringBuilder();
        for (String line : Files.readAllLines(script)) {
            if (!line.strip().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        List<String> statements = new ArrayList<>();
        for (String statement : sql.toString().split(";")) {
            if (!statement.isBlank()) {
                statements.add(statement.strip());
            }
        }
        return statements;
    }

    private static boolean exists(Connection pg, String sql, String name) throws SQLException {
        try (PreparedStatement ps = pg.prepareStatement(sql)) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
