package io.sluice.testkit;

import java.nio.file.Path;

/**
 * The configuration files of a private ClickHouse 18.16 server. Only what differs from the
 * defaults, plus what 18.16 insists on: it refuses to start without {@code mark_cache_size}, and it
 * rejects unknown settings in a profile (the server exits), so only settings 18.16 knows go into
 * users.xml.
 */
final class ClickHouseConfig {
    private ClickHouseConfig() {}

    /**
     * config.xml: loopback only, the given ports, everything under {@code home}. No {@code
     * interserver_http_port}: without it 18.16 opens no replication port. {@code
     * keep_alive_timeout} is 3 s rather than 18.16's 10: on SIGTERM the server waits for idle
     * keep-alive connections (every HTTP client pools them) and would take 10 s to stop.
     */
    static String server(Path home, int httpPort, int tcpPort) {
        return server(home, httpPort, tcpPort, "");
    }

    /** As above, with {@code extra} elements (a cluster member's) inside the root element. */
    static String server(Path home, int httpPort, int tcpPort, String extra) {
        return """
                <?xml version="1.0"?>
                <yandex>
                  <logger>
                    <level>information</level>
                    <log>%1$s/log/server.log</log>
                    <errorlog>%1$s/log/error.log</errorlog>
                    <size>100M</size>
                    <count>2</count>
                  </logger>
                  <listen_host>127.0.0.1</listen_host>
                  <http_port>%2$d</http_port>
                  <tcp_port>%3$d</tcp_port>
                  <path>%1$s/data/</path>
                  <tmp_path>%1$s/tmp/</tmp_path>
                  <user_files_path>%1$s/user_files/</user_files_path>
                  <format_schema_path>%1$s/format_schemas/</format_schema_path>
                  <users_config>%1$s/users.xml</users_config>
                  <default_profile>default</default_profile>
                  <default_database>default</default_database>
                  <timezone>UTC</timezone>
                  <mark_cache_size>268435456</mark_cache_size>
                  <max_concurrent_queries>100</max_concurrent_queries>
                  <keep_alive_timeout>3</keep_alive_timeout>
                %4$s
                </yandex>
                """
                .formatted(xml(home.toString()), httpPort, tcpPort, extra);
    }

    /**
     * users.xml: user {@code default} without a password, from loopback only. LowCardinality
     * columns are experimental in 18.16 and need {@code allow_experimental_low_cardinality_type}.
     *
     * <p>And three restricted users, as docs/security.md sets them up, for the test of the raw-PII
     * database (PiiVaultIT) and its fixed database names: {@code sluice_writer}, the job's user,
     * allowed only the mirror and raw-PII databases; {@code analyst}, read-only and allowed only
     * the mirror; {@code pii_reader}, read-only and allowed only the raw-PII database. 18.16 has no
     * GRANT: {@code allow_databases} is what restricts a user to databases.
     */
    static String users() {
        return """
                <?xml version="1.0"?>
                <yandex>
                  <profiles>
                    <default>
                      <max_memory_usage>4000000000</max_memory_usage>
                      <allow_experimental_low_cardinality_type>1</allow_experimental_low_cardinality_type>
                    </default>
                    <reader>
                      <max_memory_usage>4000000000</max_memory_usage>
                      <readonly>2</readonly>
                    </reader>
                  </profiles>
                  <users>
                    <default>
                      <password></password>
                      <networks>
                        <ip>127.0.0.1</ip>
                        <ip>::1</ip>
                      </networks>
                      <profile>default</profile>
                      <quota>default</quota>
                    </default>
                %s
                  </users>
                  <quotas>
                    <default></default>
                  </quotas>
                </yandex>
                """
                .formatted(
                        restrictedUser(
                                        "sluice_writer",
                                        "writer-pw",
                                        "default",
                                        "vault_it_mirror",
                                        "vault_it_raw")
                                + restrictedUser(
                                        "analyst", "analyst-pw", "reader", "vault_it_mirror")
                                + restrictedUser(
                                        "pii_reader", "pii-reader-pw", "reader", "vault_it_raw"));
    }

    /** A users.xml user from loopback only, allowed just {@code databases}. */
    private static String restrictedUser(
            String name, String password, String profile, String... databases) {
        StringBuilder allowed = new StringBuilder();
        for (String database : databases) {
            allowed.append("        <database>").append(database).append("</database>\n");
        }
        return ("""
                    <%1$s>
                      <password>%2$s</password>
                      <networks>
                        <ip>127.0.0.1</ip>
                        <ip>::1</ip>
                      </networks>
                      <profile>%3$s</profile>
                      <quota>default</quota>
                      <allow_databases>
                %4$s      </allow_databases>
                    </%1$s>
                """)
                .formatted(name, password, profile, allowed);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
