package io.sluice.connector.clickhouse;

import io.sluice.common.clickhouse.ServerVersion;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimestampType;

/**
 * The ClickHouse column type of each Flink SQL type the sink writes, in the dialect ClickHouse
 * 18.16 and 23+ both accept, and which existing column types count as compatible.
 *
 * <table>
 *   <tr><th>Flink</th><th>ClickHouse</th></tr>
 *   <tr><td>BOOLEAN</td><td>UInt8 (0/1)</td></tr>
 *   <tr><td>TINYINT, SMALLINT, INT, BIGINT</td><td>Int8, Int16, Int32, Int64</td></tr>
 *   <tr><td>FLOAT, DOUBLE</td><td>Float32, Float64</td></tr>
 *   <tr><td>DECIMAL(p, s)</td><td>Decimal(p, s)</td></tr>
 *   <tr><td>CHAR, VARCHAR, STRING</td><td>String</td></tr>
 *   <tr><td>BINARY, VARBINARY, BYTES</td><td>String (the bytes as they are)</td></tr>
 *   <tr><td>DATE</td><td>Date</td></tr>
 *   <tr><td>TIMESTAMP(p), TIMESTAMP_LTZ(p)</td><td>DateTime64(p, 'UTC') on 20.1+; DateTime('UTC')
 *       (whole seconds, the fraction dropped) on older servers</td></tr>
 * </table>
 *
 * <p>Timestamps follow the mirror's {@code TypeMapping}: a TIMESTAMP (without time zone) is stored
 * as the same wall-clock time read as UTC, a TIMESTAMP_LTZ as its instant in UTC. A nullable column
 * becomes {@code Nullable(T)}; key columns never are (Flink makes primary key columns NOT NULL).
 * Anything else (TIME, ARRAY, MAP, MULTISET, ROW, RAW, INTERVAL, ...) is rejected when the table is
 * declared.
 */
public final class ClickHouseTypes {
    private ClickHouseTypes() {}

    /** Throws a {@link ValidationException} naming the column when its type has no mapping. */
    public static void checkSupported(String column, LogicalType type) {
        if (!supported(type)) {
            throw new ValidationException(
                    "Column '"
                            + column
                            + "' has type "
                            + type.asSummaryString()
                            + ", which the clickhouse connector cannot write. Supported types:"
                            + " BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL,"
                            + " CHAR, VARCHAR/STRING, BINARY, VARBINARY/BYTES, DATE, TIMESTAMP,"
                            + " TIMESTAMP_LTZ. Cast the column (for example to STRING) in the"
                            + " query and declare it so in the sink table.");
        }
    }

    private static boolean supported(LogicalType type) {
        switch (type.getTypeRoot()) {
            case BOOLEAN:
            case TINYINT:
            case SMALLINT:
            case INTEGER:
            case BIGINT:
            case FLOAT:
            case DOUBLE:
            case DECIMAL:
            case CHAR:
            case VARCHAR:
            case BINARY:
            case VARBINARY:
            case DATE:
            case TIMESTAMP_WITHOUT_TIME_ZONE:
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return true;
            default:
                return false;
        }
    }

    /** The column's ClickHouse type: {@code Nullable(T)} for a nullable non-key column. */
    public static String columnType(LogicalType type, boolean key, ServerVersion server) {
        String base = baseType(type, server);
        return type.isNullable() && !key ? "Nullable(" + base + ")" : base;
    }

    static String baseType(LogicalType type, ServerVersion server) {
        switch (type.getTypeRoot()) {
            case BOOLEAN:
                return "UInt8";
            case TINYINT:
                return "Int8";
            case SMALLINT:
                return "Int16";
            case INTEGER:
                return "Int32";
            case BIGINT:
                return "Int64";
            case FLOAT:
                return "Float32";
            case DOUBLE:
                return "Float64";
            case DECIMAL:
                DecimalType d = (DecimalType) type;
                return "Decimal(" + d.getPrecision() + ", " + d.getScale() + ")";
            case CHAR:
            case VARCHAR:
            case BINARY:
            case VARBINARY:
                return "String";
            case DATE:
                return "Date";
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return dateTime(((TimestampType) type).getPrecision(), server);
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return dateTime(((LocalZonedTimestampType) type).getPrecision(), server);
            default:
                throw new IllegalArgumentException("no ClickHouse type for " + type);
        }
    }

    private static String dateTime(int precision, ServerVersion server) {
        return server.hasDateTime64() ? "DateTime64(" + precision + ", 'UTC')" : "DateTime('UTC')";
    }

    private static final Pattern WRAPPER = Pattern.compile("(Nullable|LowCardinality)\\((.*)\\)");

    /**
     * Whether an existing column of type {@code actual} can hold the values of a column the sink
     * would create as {@code expected}: the same type, ignoring spaces, {@code LowCardinality} and
     * the time zone or precision of a date-time. A {@code Nullable} column takes a non-nullable
     * one's values, not the other way round (a NULL would silently become 0 or '').
     */
    public static boolean compatible(String expected, String actual) {
        String e = expected.replace(" ", "");
        String a = actual.replace(" ", "");
        boolean expectedNullable = e.startsWith("Nullable(");
        boolean actualNullable = unwrapLowCardinality(a).startsWith("Nullable(");
        if (expectedNullable && !actualNullable) {
            return false;
        }
        String eBase = base(e);
        String aBase = base(a);
        if (eBase.startsWith("DateTime")) {
            return aBase.startsWith("DateTime");
        }
        return eBase.equals(aBase);
    }

    private static String unwrapLowCardinality(String type) {
        return type.startsWith("LowCardinality(")
                ? type.substring("LowCardinality(".length(), type.length() - 1)
                : type;
    }

    private static String base(String type) {
        String t = type;
        Matcher m;
        while ((m = WRAPPER.matcher(t)).matches()) {
            t = m.group(2);
        }
        return t;
    }
}
