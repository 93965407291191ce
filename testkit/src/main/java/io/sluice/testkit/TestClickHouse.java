package io.sluice.testkit;

/** How to reach a test ClickHouse (over HTTP): {@link TestServers#clickhouse(ClickHouseEngine)}. */
public final class TestClickHouse {
    private final ClickHouseEngine engine;
    private final String url;
    private final String user;
    private final String password;

    long localPid = -1; // -1 for an external server

    /**
     * Freezes the local server (SIGSTOP) for {@code duration}, then lets it go on (SIGCONT):
     * connections stay open and requests hang, as in a network partition or a stalled host.
     */
    public void pause(java.time.Duration duration) throws InterruptedException {
        if (localPid < 0) {
            throw new IllegalStateException(
                    "pausing ClickHouse needs the local server the testkit starts: unset"
                            + " SLUICE_TEST_CLICKHOUSE_URL");
        }
        signal("STOP");
        try {
            Thread.sleep(duration.toMillis()); // the outage itself
        } finally {
            signal("CONT");
        }
    }

    private void signal(String name) {
        try {
            Process p =
                    new ProcessBuilder("kill", "-" + name, Long.toString(localPid))
                            .inheritIO()
                            .start();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + localPid + " failed");
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("kill -" + name + " " + localPid + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    TestClickHouse(ClickHouseEngine engine, String url, String user, String password) {
        this.engine = engine;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The HTTP endpoint, e.g. {@code http://127.0.0.1:8123}. */
    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Which of the two engines this is. */
    public ClickHouseEngine engine() {
        return engine;
    }

    /** The server's version, e.g. {@code 18.16.1}. */
    public String version() {
        return query("SELECT version()").strip();
    }

    /** The engine and its version, e.g. {@code MODERN ClickHouse 26.7.2.1}, for test logs. */
    public String describe() {
        return engine + " ClickHouse " + version();
    }

    /**
     * Runs a statement over HTTP; returns the body (TabSeparated) or throws with the server's
     * message.
     */
    public String query(String sql) {
        return ClickHouseServer.query(url, user, password, sql);
    }

    /** Creates a fresh database named {@code <prefix>_<pid>_<n>} and returns its name. */
    public String newDatabase(String prefix) {
        String name = TestServers.uniqueName(prefix);
        query("CREATE DATABASE IF NOT EXISTS " + name); // unique: sent again if unanswered
        return name;
    }

    @Override
    public String toString() {
        return engine + " ClickHouse at " + url + " as " + user;
    }
}
