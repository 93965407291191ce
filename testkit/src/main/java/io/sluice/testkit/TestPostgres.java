package io.sluice.testkit;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * How to reach the test Postgres: {@link TestServers#postgres()}, {@link
 * TestServers#postgres(int)}.
 */
public final class TestPostgres {
    private final String host;
    private final int port;
    private final String urlParameters;
    private final String user;
    private final String password;
    PostgresServer local; // null for an external server
    Path binaries;
    int major; // of the local server's binaries; 0: those on the classpath

    TestPostgres(String host, int port, String urlParameters, String user, String password) {
        this.host = host;
        this.port = port;
        this.urlParameters = urlParameters;
        this.user = user;
        this.password = password;
    }

    /** From {@code jdbc:postgresql://host[:port]/db[?params]}; the params are kept. */
    static TestPostgres fromJdbcUrl(String jdbcUrl, String user, String password) {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new IllegalStateException(
                    "SLUICE_TEST_PG_JDBC_URL must look like jdbc:postgresql://host:port/db, got "
                            + jdbcUrl);
        }
        URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
        if (uri.getHost() == null) {
            throw new IllegalStateException("SLUICE_TEST_PG_JDBC_URL has no host: " + jdbcUrl);
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String params = uri.getRawQuery() == null ? "" : uri.getRawQuery();
        return new TestPostgres(uri.getHost(), port, params, user, password);
    }

    public String host() {
        return host;
    }

    /**
     * Stops the local server (a fast shutdown: sessions are ended, replication connections too) and
     * starts it again on its data and port, as an operator's restart does.
     */
    public synchronized void restart() {
        if (local == null) {
            throw new IllegalStateException(
                    "restarting Postgres needs the local server the testkit starts: unset"
                            + " SLUICE_TEST_PG_JDBC_URL");
        }
        Path home = local.home();
        local.stop();
        local = PostgresServer.start(home, port, Map.of(), binaries, major);
        TestServerStartup.stopAtExit(local, "postgres");
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String jdbcUrl(String database) {
        String url = "jdbc:postgresql://" + host + ":" + port + "/" + database;
        return urlParameters.isEmpty() ? url : url + "?" + urlParameters;
    }

    /** The server's version as it reports it, e.g. {@code 14.19}. */
    public String serverVersion() {
        return show("server_version");
    }

    /** The server's {@code server_version_num}, e.g. {@code 140019}. */
    public int serverVersionNum() {
        return Integer.parseInt(show("server_version_num"));
    }

    private String show(String setting) {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user, password);
                Statement st = c.createStatement();
                java.sql.ResultSet rs = st.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot read " + setting + " of " + this + ": " + e.getMessage(), e);
        }
    }

    /** Creates a fresh database named {@code <prefix>_<pid>_<n>} and returns its name. */
    public String newDatabase(String prefix) {
        String name = TestServers.uniqueName(prefix);
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user, password);
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot create the test database "
                            + name
                            + " in Postgres at "
                            + host
                            + ":"
                            + port
                            + ": "
                            + e.getMessage(),
                    e);
        }
        return name;
    }

    @Override
    public String toString() {
        return "Postgres at " + host + ":" + port + " as " + user;
    }
}
