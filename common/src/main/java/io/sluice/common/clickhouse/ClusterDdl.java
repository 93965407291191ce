package io.sluice.common.clickhouse;

import static io.sluice.common.clickhouse.ClickHouseSql.identifier;

import java.util.ArrayList;
import java.util.List;

/**
 * The cluster form of Sluice's single-server DDL ({@code clickhouse.cluster}). Every table {@code
 * db.t} becomes two, created {@code ON CLUSTER} on every server:
 *
 * <ul>
 *   <li>{@code db.t_local}: the rows of one shard, {@code Replicated} + the table's own engine
 *       ({@code ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/t_local', '{replica}',
 *       _version)}), with the same columns, partitioning and sort key. The servers' {@code {shard}}
 *       and {@code {replica}} macros name its ZooKeeper path and replica.
 *   <li>{@code db.t}: a {@code Distributed} table over the local tables of cluster, under the name
 *       the single-server table has, so that inserts, {@code FINAL} reads and dashboards use the
 *       same name in both modes.
 * </ul>
 *
 * <p>The sharding key is a hash of columns of the sort key, so every version of a row (same sort
 * key) lands on the same shard and a per-shard {@code FINAL} replaces it: {@code user_id} where the
 * sort key has it (the analytics tables: a user's events, sessions and days on one shard), else the
 * whole sort key (the mirror: the primary key).
 */
public final class ClusterDdl {
    /** The suffix of the local table of each shard. */
    public static final String LOCAL = "_local";

    private static final String CREATE = "CREATE TABLE IF NOT EXISTS ";
    private static final String ENGINE = ") ENGINE = ";
    private static final String ALTER = "ALTER TABLE ";

    private ClusterDdl() {}

    /** The name of the local table of {@code table}. */
    public static String local(String table) {
        return table + LOCAL;
    }

    /** The database of the table a {@code CREATE TABLE IF NOT EXISTS} statement creates. */
    public static String databaseOf(String createIfNotExists) {
        return Name.at(createIfNotExists, CREATE.length()).database();
    }

    /** The table a {@code CREATE TABLE IF NOT EXISTS} statement creates. */
    public static String tableOf(String createIfNotExists) {
        return Name.at(createIfNotExists, CREATE.length()).table();
    }

    /** {@code CREATE DATABASE IF NOT EXISTS db ON CLUSTER c}. */
    public static String createDatabase(String database, String cluster) {
        return "CREATE DATABASE IF NOT EXISTS " + identifier(database) + onCluster(cluster);
    }

    /**
     * The two statements that create {@code createIfNotExists}'s table on {@code cluster}: the
     * replicated local table, then the Distributed table over it.
     *
     * @param createIfNotExists a {@code CREATE TABLE IF NOT EXISTS `db`.`t` (...) ENGINE =
     *     XMergeTree(args) ... ORDER BY (...)} statement of the single-server DDL
     */
    public static List<String> createTable(String createIfNotExists, String cluster) {
        if (!createIfNotExists.startsWith(CREATE)) {
            throw new IllegalArgumentException("not a CREATE TABLE IF NOT EXISTS statement");
        }
        Name name = Name.at(createIfNotExists, CREATE.length());
        String afterName = createIfNotExists.substring(name.end());
        int engineAt = afterName.lastIndexOf(ENGINE);
        if (!afterName.startsWith(" (") || engineAt < 0) {
            throw new IllegalArgumentException(
                    "no column list and engine in: " + createIfNotExists);
        }
        String columns = afterName.substring(0, engineAt + 1); // " (...)"
        String engineAndRest = afterName.substring(engineAt + ENGINE.length());
        int open = engineAndRest.indexOf('(');
        int close = engineAndRest.indexOf(')', open);
        String engine = engineAndRest.substring(0, open).strip();
        if (!engine.endsWith("MergeTree") || engine.startsWith("Replicated")) {
            throw new IllegalArgumentException("not a single-server MergeTree table: " + engine);
        }
        String args = engineAndRest.substring(open + 1, close).strip();
        String rest = engineAndRest.substring(close + 1);
        String localName = local(name.table());
        String path =
                ClickHouseSql.literal(
                        "/clickhouse/tables/{shard}/" + name.database() + "/" + localName);
        String localSql =
                CREATE
                        + ClickHouseSql.qualified(name.database(), localName)
                        + onCluster(cluster)
                        + columns
                        + " ENGINE = Replicated"
                        + engine
                        + "("
                        + path
                        + ", '{replica}'"
                        + (args.isEmpty() ? "" : ", " + args)
                        + ")"
                        + rest;
        String distributedSql =
                CREATE
                        + ClickHouseSql.qualified(name.database(), name.table())
                        + onCluster(cluster)
                        + " AS "
                        + ClickHouseSql.qualified(name.database(), localName)
                        + " ENGINE = Distributed("
                        + identifier(cluster)
                        + ", "
                        + identifier(name.database())
                        + ", "
                        + identifier(localName)
                        + ", "
                        + shardingKey(rest)
                        + ")";
        return List.of(localSql, distributedSql);
    }

    /**
     * The sharding expression for a table whose DDL ends in {@code rest} ({@code ... ORDER BY
     * (...)}): {@code cityHash64} of the text of {@code user_id} when the sort key has it, else of
     * the text of every column of the sort key. Hashed as text because 18.16's {@code cityHash64}
     * refuses a UUID, a Date or a Decimal, and text hashes the same on every version.
     */
    static String shardingKey(String rest) {
        int at = rest.lastIndexOf("ORDER BY (");
        if (at < 0 || !rest.endsWith(")")) {
            throw new IllegalArgumentException("no ORDER BY (...) at the end of: " + rest);
        }
        List<String> key = topLevel(rest.substring(at + "ORDER BY (".length(), rest.length() - 1));
        for (String c : key) {
            if (c.equals("user_id") || c.equals("`user_id`")) {
                return "cityHash64(toString(" + c + "))";
            }
        }
        StringBuilder hash = new StringBuilder("cityHash64(");
        for (int i = 0; i < key.size(); i++) {
            hash.append(i == 0 ? "" : ", ").append("toString(").append(key.get(i)).append(')');
        }
        return hash.append(')').toString();
    }

    /** The comma-separated expressions of a list, split outside parentheses and quotes. */
    private static List<String> topLevel(String list) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '\\' && quoted) {
                i++;
            } else if (c == '`') {
                quoted = !quoted;
            } else if (!quoted && c == '(') {
                depth++;
            } else if (!quoted && c == ')') {
                depth--;
            } else if (!quoted && depth == 0 && c == ',') {
                parts.add(list.substring(start, i).strip());
                start = i + 1;
            }
        }
        parts.add(list.substring(start).strip());
        return parts;
    }

    /**
     * An {@code ALTER TABLE `db`.`t` ...} of the single-server DDL as the cluster runs it: on the
     * local tables, and, when it changes columns ({@code ADD COLUMN}), on the Distributed tables
     * too, whose columns must follow.
     */
    public static List<String> alter(String alter, String cluster) {
        if (!alter.startsWith(ALTER)) {
            throw new IllegalArgumentException("not an ALTER TABLE statement: " + alter);
        }
        Name name = Name.at(alter, ALTER.length());
        String tail = alter.substring(name.end());
        List<String> statements = new ArrayList<>();
        statements.add(
                ALTER
                        + ClickHouseSql.qualified(name.database(), local(name.table()))
                        + onCluster(cluster)
                        + tail);
        if (tail.strip().startsWith("ADD COLUMN")) {
            statements.add(
                    ALTER
                            + ClickHouseSql.qualified(name.database(), name.table())
                            + onCluster(cluster)
                            + tail);
        }
        return statements;
    }

    private static String onCluster(String cluster) {
        return " ON CLUSTER " + identifier(cluster);
    }

    /** A {@code `db`.`t`} name in a statement, unquoted, and where it ends. */
    private record Name(String database, String table, int end) {
        static Name at(String sql, int start) {
            int[] pos = {start};
            String database = quoted(sql, pos);
            if (pos[0] >= sql.length() || sql.charAt(pos[0]) != '.') {
                throw new IllegalArgumentException("no `database`.`table` in: " + sql);
            }
            pos[0]++;
            String table = quoted(sql, pos);
            return new Name(database, table, pos[0]);
        }

        /** The backquoted identifier at {@code pos[0]} (as {@link ClickHouseSql#identifier}). */
        private static String quoted(String sql, int[] pos) {
            int i = pos[0];
            if (i >= sql.length() || sql.charAt(i) != '`') {
                throw new IllegalArgumentException("no quoted identifier at " + i + " of: " + sql);
            }
            StringBuilder name = new StringBuilder();
            for (i++; i < sql.length(); i++) {
                char c = sql.charAt(i);
                if (c == '\\') {
                    name.append(sql.charAt(++i));
                } else if (c == '`') {
                    pos[0] = i + 1;
                    return name.toString();
                } else {
                    name.append(c);
                }
            }
            throw new IllegalArgumentException("unterminated identifier in: " + sql);
        }
    }
}
