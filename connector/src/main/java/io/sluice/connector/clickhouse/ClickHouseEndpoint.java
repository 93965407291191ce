package io.sluice.connector.clickhouse;

import io.sluice.common.clickhouse.ClickHouseConnection;
import java.io.Serializable;
import java.util.function.UnaryOperator;

/**
 * Where and as whom the sink connects: the URL, database and user from the table's options, the
 * password (and optionally the user) from environment variables of the TaskManagers, read when a
 * writer opens, so no credential is part of the DDL, the catalog or the job graph.
 */
public final class ClickHouseEndpoint implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String url;
    private final String database;
    private final String username;
    private final String usernameEnv; // null: none
    private final String passwordEnv;
    private final boolean passwordEnvRequired;

    public ClickHouseEndpoint(
            String url,
            String database,
            String username,
            String usernameEnv,
            String passwordEnv,
            boolean passwordEnvRequired) {
        this.url = url;
        this.database = database;
        this.username = username;
        this.usernameEnv = usernameEnv;
        this.passwordEnv = passwordEnv;
        this.passwordEnvRequired = passwordEnvRequired;
    }

    public String url() {
        return url;
    }

    public String database() {
        return database;
    }

    /** The user: the {@code username-env} variable when it is set, else {@code username}. */
    public String username(UnaryOperator<String> env) {
        if (usernameEnv != null) {
            String fromEnv = env.apply(usernameEnv);
            if (fromEnv != null && !fromEnv.isEmpty()) {
                return fromEnv;
            }
        }
        return username;
    }

    /**
     * The password from the {@code password-env} variable; empty when the default variable is
     * unset, an error naming the variable when one named explicitly is.
     */
    public String password(UnaryOperator<String> env) {
        String value = env.apply(passwordEnv);
        if (value == null) {
            if (passwordEnvRequired) {
                throw new IllegalStateException(
                        "The clickhouse sink's 'password-env' names the environment variable "
                                + passwordEnv
                                + ", which is not set on this TaskManager. Set it in the"
                                + " TaskManagers' process environment (their container or"
                                + " service definition, or containerized.taskmanager.env."
                                + passwordEnv
                                + " on Kubernetes and YARN) and restart them.");
            }
            return "";
        }
        return value;
    }

    /** A connection with the credentials of the given environment ({@code System::getenv}). */
    public ClickHouseConnection connect(UnaryOperator<String> env) {
        return new ClickHouseConnection(url, username(env), password(env), database);
    }

    @Override
    public String toString() {
        return url + " database " + database; // never a credential
    }
}
