package io.sluice.common.schema;

import java.io.Serializable;

/**
 * A column of a Postgres table as the catalog describes it.
 *
 * @param name column name
 * @param type the type as {@code format_type} prints it (domains resolved to their base type), e.g.
 *     {@code numeric(12,2)}, {@code timestamp with time zone}, {@code text[]}
 * @param isEnum the type (or the array's element type) is an enum
 * @param notNull declared NOT NULL
 * @param primaryKeyPosition 1-based position in the primary key, 0 when not part of it
 * @param defaultExpression the column default as {@code pg_get_expr} prints it, or null
 * @param generated a generated column ({@code GENERATED ALWAYS AS (...) STORED}), whose value
 *     logical replication does not carry before Postgres 18
 */
public record PgColumn(
        String name,
        String type,
        boolean isEnum,
        boolean notNull,
        int primaryKeyPosition,
        String defaultExpression,
        boolean generated)
        implements Serializable {

    public PgColumn(
            String name,
            String type,
            boolean isEnum,
            boolean notNull,
            int primaryKeyPosition,
            String defaultExpression) {
        this(name, type, isEnum, notNull, primaryKeyPosition, defaultExpression, false);
    }

    public PgColumn(
            String name, String type, boolean isEnum, boolean notNull, int primaryKeyPosition) {
        this(name, type, isEnum, notNull, primaryKeyPosition, null);
    }

    public boolean isArray() {
        return type.endsWith("[]");
    }

    public boolean isPrimaryKey() {
        return primaryKeyPosition > 0;
    }
}
