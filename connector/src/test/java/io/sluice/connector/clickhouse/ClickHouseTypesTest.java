package io.sluice.connector.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.common.clickhouse.ServerVersion;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.DataType;
import org.junit.jupiter.api.Test;

class ClickHouseTypesTest {
    private static final ServerVersion OLD = ServerVersion.parse("18.16.1");
    private static final ServerVersion NEW = ServerVersion.parse("23.8.16.40");

    private static String type(DataType t, ServerVersion server) {
        return ClickHouseTypes.columnType(t.notNull().getLogicalType(), false, server);
    }

    @Test
    void mapsEveryScalarType() {
        assertThat(type(DataTypes.BOOLEAN(), NEW)).isEqualTo("UInt8");
        assertThat(type(DataTypes.TINYINT(), NEW)).isEqualTo("Int8");
        assertThat(type(DataTypes.SMALLINT(), NEW)).isEqualTo("Int16");
        assertThat(type(DataTypes.INT(), NEW)).isEqualTo("Int32");
        assertThat(type(DataTypes.BIGINT(), NEW)).isEqualTo("Int64");
        assertThat(type(DataTypes.FLOAT(), NEW)).isEqualTo("Float32");
        assertThat(type(DataTypes.DOUBLE(), NEW)).isEqualTo("Float64");
        assertThat(type(DataTypes.DECIMAL(12, 2), NEW)).isEqualTo("Decimal(12, 2)");
        assertThat(type(DataTypes.DECIMAL(38, 10), OLD)).isEqualTo("Decimal(38, 10)");
        assertThat(type(DataTypes.CHAR(3), NEW)).isEqualTo("String");
        assertThat(type(DataTypes.STRING(), NEW)).isEqualTo("String");
        assertThat(type(DataTypes.BYTES(), NEW)).isEqualTo("String");
        assertThat(type(DataTypes.DATE(), OLD)).isEqualTo("Date");
    }

    @Test
    void timestampsKeepTheirPrecisionWhereTheServerHasDateTime64() {
        assertThat(type(DataTypes.TIMESTAMP(3), NEW)).isEqualTo("DateTime64(3, 'UTC')");
        assertThat(type(DataTypes.TIMESTAMP_LTZ(6), NEW)).isEqualTo("DateTime64(6, 'UTC')");
        assertThat(type(DataTypes.TIMESTAMP(3), OLD)).isEqualTo("DateTime('UTC')");
        assertThat(type(DataTypes.TIMESTAMP_LTZ(3), OLD)).isEqualTo("DateTime('UTC')");
    }

    @Test
    void nullableColumnsAreNullableExceptKeys() {
        assertThat(ClickHouseTypes.columnType(DataTypes.STRING().getLogicalType(), false, NEW))
                .isEqualTo("Nullable(String)");
        assertThat(ClickHouseTypes.columnType(DataTypes.BIGINT().getLogicalType(), true, NEW))
                .isEqualTo("Int64");
    }

    @Test
    void rejectsTypesWithoutAMappingNamingTheColumn() {
        for (DataType t :
                new DataType[] {
                    DataTypes.ARRAY(DataTypes.INT()),
                    DataTypes.MAP(DataTypes.STRING(), DataTypes.INT()),
                    DataTypes.ROW(DataTypes.FIELD("a", DataTypes.INT())),
                    DataTypes.MULTISET(DataTypes.STRING()),
                    DataTypes.TIME(),
                    DataTypes.INTERVAL(DataTypes.DAY()),
                }) {
            assertThatThrownBy(() -> ClickHouseTypes.checkSupported("col", t.getLogicalType()))
                    .isInstanceOf(ValidationException.class)
                    .hasMessageContaining("Column 'col'")
                    .hasMessageContaining(t.getLogicalType().asSummaryString())
                    .hasMessageContaining("cannot write");
        }
    }

    @Test
    void existingColumnsAreCompatibleWhenTheyHoldTheSameValues() {
        assertThat(ClickHouseTypes.compatible("Int64", "Int64")).isTrue();
        assertThat(ClickHouseTypes.compatible("Decimal(12, 2)", "Decimal(12,2)")).isTrue();
        assertThat(ClickHouseTypes.compatible("String", "LowCardinality(String)")).isTrue();
        assertThat(ClickHouseTypes.compatible("String", "Nullable(String)")).isTrue();
        assertThat(
                        ClickHouseTypes.compatible(
                                "Nullable(String)", "LowCardinality(Nullable(String))"))
                .isTrue();
        assertThat(ClickHouseTypes.compatible("DateTime('UTC')", "DateTime64(3, 'UTC')")).isTrue();
        assertThat(
                        ClickHouseTypes.compatible(
                                "Nullable(DateTime64(3, 'UTC'))", "Nullable(DateTime)"))
                .isTrue();

        assertThat(ClickHouseTypes.compatible("Int64", "Int32")).isFalse();
        assertThat(ClickHouseTypes.compatible("Decimal(12, 2)", "Decimal(12, 4)")).isFalse();
        assertThat(ClickHouseTypes.compatible("String", "Int64")).isFalse();
        assertThat(ClickHouseTypes.compatible("Nullable(String)", "String"))
                .as("a NULL would become ''")
                .isFalse();
    }
}
