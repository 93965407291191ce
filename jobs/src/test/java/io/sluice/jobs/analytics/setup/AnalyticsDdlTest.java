package io.sluice.jobs.analytics.setup;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.clickhouse.ServerVersion;
import io.sluice.jobs.analytics.model.PromotedProperty;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** sql/clickhouse/analytics.sql is generated: it must match what the job creates. */
class AnalyticsDdlTest {
    @Test
    void theCheckedInDdlIsTheGeneratedOne() throws Exception {
        String generated =
                AnalyticsDdl.render(
                        "analytics",
                        ServerVersion.parse("23.8"),
                        PromotedProperty.parse(
                                List.of("plan:String", "path:String", "duration_ms:Int64")));
        Path file = Path.of("..", "sql", "clickhouse", "analytics.sql");
        assertThat(Files.readString(file))
                .as(
                        "regenerate with: java -cp ... io.sluice.jobs.analytics.setup.AnalyticsDdl > %s",
                        file)
                .isEqualTo(generated);
    }

    @Test
    void lowCardinalityOnlyWhereTheServerHasIt() {
        String old =
                AnalyticsTables.EVENTS_PER_MINUTE_TABLE.createSql(
                        "a", ServerVersion.parse("18.16"));
        String modern =
                AnalyticsTables.EVENTS_PER_MINUTE_TABLE.createSql("a", ServerVersion.parse("23.8"));
        assertThat(old).contains("`event_name` String").doesNotContain("LowCardinality");
        assertThat(modern).contains("`event_name` LowCardinality(String)");
    }
}
