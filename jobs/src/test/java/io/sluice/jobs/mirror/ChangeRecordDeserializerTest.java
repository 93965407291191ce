package io.sluice.jobs.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalTime;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.api.Test;

/**
 * Values Postgres has and Java's time and number types do not, as Debezium hands them over: each
 * keeps Postgres' own meaning instead of failing the source (which would stop the job while the
 * slot holds WAL) or changing the value.
 */
class ChangeRecordDeserializerTest {
    private static Schema named(String name, Schema.Type type) {
        return new SchemaBuilder(type).name(name).build();
    }

    @Test
    void postgresTwentyFourHundredIsKeptAsItsText() {
        long day = 86_400L;
        assertThat(
                        ChangeRecordDeserializer.convert(
                                named("io.debezium.time.MicroTime", Schema.Type.INT64),
                                day * 1_000_000L))
                .isEqualTo("24:00:00");
        assertThat(
                        ChangeRecordDeserializer.convert(
                                named("io.debezium.time.Time", Schema.Type.INT32),
                                (int) (day * 1_000L)))
                .isEqualTo("24:00:00");
        assertThat(
                        ChangeRecordDeserializer.convert(
                                named("io.debezium.time.MicroTime", Schema.Type.INT64),
                                (day - 1) * 1_000_000L + 5))
                .isEqualTo(LocalTime.of(23, 59, 59, 5_000));
    }

    @Test
    void anInfiniteTimestamptzIsKeptAsTextForTheSinkToRefuse() {
        Schema zoned = named("io.debezium.time.ZonedTimestamp", Schema.Type.STRING);
        assertThat(ChangeRecordDeserializer.convert(zoned, "infinity")).isEqualTo("infinity");
        assertThat(ChangeRecordDeserializer.convert(zoned, "-infinity")).isEqualTo("-infinity");
        assertThat(ChangeRecordDeserializer.convert(zoned, "2026-12-01T10:00:00Z"))
                .isEqualTo(Instant.parse("2026-12-01T10:00:00Z"));
    }

    @Test
    void aNumericNanReadsAsPostgresPrintsIt() {
        Schema numeric =
                SchemaBuilder.string()
                        .parameter("__debezium.source.column.type", "NUMERIC")
                        .build();
        assertThat(ChangeRecordDeserializer.convert(numeric, "NAN")).isEqualTo("NaN");
        assertThat(ChangeRecordDeserializer.convert(numeric, "12.50")).isEqualTo("12.50");
        // A text column's "NAN" is text.
        assertThat(ChangeRecordDeserializer.convert(Schema.STRING_SCHEMA, "NAN")).isEqualTo("NAN");
    }
}
