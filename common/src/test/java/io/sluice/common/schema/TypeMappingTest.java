package io.sluice.common.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ServerVersion;
import org.junit.jupiter.api.Test;

class TypeMappingTest {
    private static final ServerVersion OLD = ServerVersion.parse("18.16.1");
    private static final ServerVersion MODERN = ServerVersion.parse("23.8.2.7");

    private static String map(String pgType, boolean notNull, ServerVersion v) {
        return TypeMapping.clickHouseType(new PgColumn("c", pgType, false, notNull, 0), v);
    }

    @Test
    void mapsTheDocumentedTypes() {
        assertThat(map("smallint", true, OLD)).isEqualTo("Int16");
        assertThat(map("integer", true, OLD)).isEqualTo("Int32");
        assertThat(map("bigint", false, OLD)).isEqualTo("Nullable(Int64)");
        assertThat(map("numeric(12,2)", true, OLD)).isEqualTo("Decimal(12, 2)");
        assertThat(map("numeric(60,10)", true, OLD)).isEqualTo("String");
        assertThat(map("numeric", true, OLD)).isEqualTo("String");
        assertThat(map("real", true, OLD)).isEqualTo("Float32");
        assertThat(map("double precision", true, OLD)).isEqualTo("Float64");
        assertThat(map("boolean", true, OLD)).isEqualTo("UInt8");
        assertThat(map("character varying(20)", true, OLD)).isEqualTo("String");
        assertThat(map("character(4)", true, OLD)).isEqualTo("String");
        assertThat(map("uuid", true, OLD)).isEqualTo("UUID");
        assertThat(map("date", true, OLD)).isEqualTo("Date");
        assertThat(map("time without time zone", true, OLD)).isEqualTo("String");
        assertThat(map("jsonb", false, OLD)).isEqualTo("Nullable(String)");
        assertThat(map("bytea", true, OLD)).isEqualTo("String");
        assertThat(map("integer[]", false, OLD)).isEqualTo("Array(Nullable(Int32))");
        assertThat(map("text[]", true, OLD)).isEqualTo("Array(Nullable(String))");
        assertThat(TypeMapping.clickHouseType(new PgColumn("m", "mood", true, false, 0), OLD))
                .isEqualTo("Nullable(String)");
    }

    @Test
    void timestampsUseDateTime64WhereTheServerHasIt() {
        assertThat(map("timestamp with time zone", true, OLD)).isEqualTo("DateTime('UTC')");
        assertThat(map("timestamp(3) without time zone", true, OLD)).isEqualTo("DateTime('UTC')");
        assertThat(map("timestamp with time zone", true, MODERN)).isEqualTo("DateTime64(6, 'UTC')");
    }

    @Test
    void primaryKeyColumnsAreNeverNullable() {
        assertThat(TypeMapping.clickHouseType(new PgColumn("id", "bigint", false, false, 1), OLD))
                .isEqualTo("Int64");
    }

    private static String defaultOf(String pgType, String expr) {
        return TypeMapping.clickHouseDefault(new PgColumn("c", pgType, false, false, 0, expr), OLD);
    }

    @Test
    void constantDefaultsCarryOverAndOthersDoNot() {
        assertThat(defaultOf("text", "'free'::text")).isEqualTo("'free'");
        assertThat(defaultOf("character varying(10)", "'it''s'::character varying"))
                .isEqualTo("'it\\'s'");
        assertThat(defaultOf("integer", "10")).isEqualTo("10");
        assertThat(defaultOf("numeric(10,2)", "'1.50'::numeric")).isEqualTo("1.50");
        assertThat(defaultOf("bigint", "'-3'::integer")).isEqualTo("-3");
        assertThat(defaultOf("boolean", "true")).isEqualTo("1");
        assertThat(defaultOf("timestamp with time zone", "now()")).isNull();
        assertThat(defaultOf("bigint", "nextval('s'::regclass)")).isNull();
        assertThat(defaultOf("date", "'2020-01-01'::date")).isNull();
        assertThat(defaultOf("text", null)).isNull();
    }
}
