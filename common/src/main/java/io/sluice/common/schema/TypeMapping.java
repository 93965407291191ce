package io.sluice.common.schema;

import io.sluice.common.clickhouse.ClickHouseSql;
import io.sluice.common.clickhouse.ServerVersion;

/**
 * The one Postgres → ClickHouse type mapping (documented in docs/mirror.md). Types ClickHouse has
 * no faithful equivalent for are kept as String in Postgres' own text form, so nothing is lost.
 *
 * <p>Timestamps: {@code DateTime64(6, 'UTC')} where the server has it (20.1+); on older servers
 * {@code DateTime('UTC')}, which keeps whole seconds only. {@code timestamp} (without time zone) is
 * stored as the same wall-clock time read as UTC.
 */
public final class TypeMapping {
    private TypeMapping() {}

    /** The ClickHouse column type for a Postgres column, Nullable unless NOT NULL or key. */
    public static String clickHouseType(PgColumn column, ServerVersion server) {
        if (column.isArray()) {
            String element = column.type().substring(0, column.type().length() - 2);
            // ClickHouse arrays cannot be Nullable: a NULL array arrives as [].
            return "Array(Nullable(" + scalar(element, column.isEnum(), server) + "))";
        }
        String type = scalar(column.type(), column.isEnum(), server);
        return column.notNull() || column.isPrimaryKey() ? type : "Nullable(" + type + ")";
    }

    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("-?\\d+(\\.\\d+)?");
    private static final java.util.regex.Pattern CAST_LITERAL =
            java.util.regex.Pattern.compile(
                    "'((?:[^']|'')*)'(::[a-z][a-z0-9_ ]*(\\([0-9, ]+\\))?)*");

    /**
     * The ClickHouse {@code DEFAULT} for a column Postgres added with a constant default, or null.
     * Postgres fills existing rows with such a default without writing WAL, so no change record
     * ever carries it for them; declaring the same default in ClickHouse makes those rows read it.
     * Only constants (numbers, strings, booleans) are carried over: {@code now()} or a sequence has
     * no single value for old rows.
     */
    public static String clickHouseDefault(PgColumn column, ServerVersion server) {
        String expr = column.defaultExpression();
        if (expr == null || column.isArray() || column.isEnum()) {
            return null;
        }
        expr = expr.trim();
        String target = scalar(column.type(), false, server);
        String literal = null;
        java.util.regex.Matcher cast = CAST_LITERAL.matcher(expr);
        if (cast.matches()) {
            literal = cast.group(1).replace("''", "'");
        } else if (NUMBER.matcher(expr).matches() || expr.equals("true") || expr.equals("false")) {
            literal = expr;
        }
        if (literal == null) {
            return null;
        }
        switch (target) {
            case "String":
                return ClickHouseSql.literal(literal);
            case "UInt8":
                return literal.equals("true") ? "1" : literal.equals("false") ? "0" : null;
            default:
                if (NUMBER.matcher(literal).matches()
                        && (target.startsWith("Int")
                                || target.startsWith("Float")
                                || target.startsWith("Decimal"))) {
                    return literal;
                }
                return null;
        }
    }

    static String scalar(String pgType, boolean isEnum, ServerVersion server) {
        if (isEnum) {
            return "String";
        }
        String t = pgType.trim().toLowerCase();
        String base = t.replaceAll("\\(.*?\\)", "").replaceAll("\\s+", " ").trim();
        switch (base) {
            case "smallint":
                return "Int16";
            case "integer":
                return "Int32";
            case "bigint":
                return "Int64";
            case "real":
                return "Float32";
            case "double precision":
                return "Float64";
            case "boolean":
                return "UInt8";
            case "numeric":
                return decimal(t);
            case "uuid":
                return "UUID";
            case "date":
                return "Date";
            case "timestamp without time zone":
            case "timestamp with time zone":
                return server.hasDateTime64() ? "DateTime64(6, 'UTC')" : "DateTime('UTC')";
            default:
                // text, varchar, char, name, citext, json, jsonb, bytea (raw bytes), time, timetz,
                // interval, inet, cidr, macaddr, money, xml, and anything else.
                return "String";
        }
    }

    private static String decimal(String pgType) {
        int open = pgType.indexOf('(');
        if (open < 0) {
            // Unconstrained numeric has arbitrary precision: only text keeps every digit.
            return "String";
        }
        String[] ps = pgType.substring(open + 1, pgType.indexOf(')')).split(",");
        int precision = Integer.parseInt(ps[0].trim());
        int scale = ps.length > 1 ? Integer.parseInt(ps[1].trim()) : 0;
        if (precision > 38 || scale < 0 || scale > precision) {
            return "String";
        }
        return "Decimal(" + precision + ", " + scale + ")";
    }
}
