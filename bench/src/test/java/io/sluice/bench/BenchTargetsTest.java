package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.ConfigLoader;
import io.sluice.common.config.JobOptions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BenchTargetsTest {
    @Test
    void freshnessTargetsAreJudgedAtTheExampleConfigurationsInterval() {
        Path example = Path.of("..", "conf", "sluice.yaml");
        assertThat(
                        ConfigLoader.load(example, Map.of())
                                .get(JobOptions.CHECKPOINT_INTERVAL)
                                .toMillis())
                .isEqualTo(BenchReport.EXAMPLE_CHECKPOINT_MS);
    }

    @Test
    void theBoundingStageIsTheLargestAttributedOne() {
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("JVM other (JIT, ended threads)", 30.0);
        stages.put("clean-and-dedupe", 5.0);
        stages.put("sessionize", 12.0);
        stages.put("other threads", 20.0);
        stages.put("wall_seconds", 99.0);
        assertThat(BenchReport.boundingStage(stages))
                .isEqualTo("sessionize (12.0 of 67.0 CPU s, 18 %)");
    }

    @Test
    void eachTargetIsMetOrMissedOnItsOwnSide() {
        Map<String, Object> ratios = new LinkedHashMap<>();
        ratios.put("catchup_analytics_vs_pgoutput", 0.41);
        ratios.put("catchup_mirror_vs_pgoutput", 0.59);
        ratios.put("snapshot_mirror_vs_copy_into_clickhouse", 0.5);
        ratios.put("snapshot_analytics_vs_copy_into_clickhouse", 0.1);
        Map<String, Object> freshness = new LinkedHashMap<>();
        freshness.put("p99_ms", 1999L);
        freshness.put("rollup_p99_ms", 3001L);
        freshness.put("peak_rss_mb", 2100L);
        Map<String, Object> sluice = new LinkedHashMap<>();
        sluice.put("freshness", freshness);
        sluice.put("catchup_analytics_peak_rss_mb", 1500L);
        sluice.put("checkpoint_mb_per_million_events", 49.6);
        sluice.put(
                "cpu_seconds_by_stage",
                Map.of("catchup_analytics", Map.of("sessionize", 3.0, "wall_seconds", 9.0)));

        Map<String, Object> t =
                BenchReport.targets(
                        ratios,
                        sluice,
                        BenchReport.TARGET_EVENTS,
                        BenchReport.EXAMPLE_CHECKPOINT_MS);

        assertThat((String) t.get("catchup_analytics_at_least_0.4_of_pgoutput"))
                .startsWith("met (0.41); bound by sessionize");
        assertThat((String) t.get("catchup_mirror_at_least_0.6_of_pgoutput")).startsWith("missed");
        assertThat((String) t.get("snapshot_mirror_at_least_0.5_of_copy_into_clickhouse"))
                .startsWith("met");
        assertThat((String) t.get("snapshot_analytics_at_least_0.3_of_copy_into_clickhouse"))
                .startsWith("missed");
        assertThat(t.get("freshness_p99_under_2000_ms")).isEqualTo("met (1999 ms)");
        assertThat((String) t.get("rollup_freshness_p99_under_3000_ms")).startsWith("missed");
        assertThat((String) t.get("peak_rss_at_most_2048_mb"))
                .as("the larger of the two phases' peaks")
                .startsWith("missed: 2100 MB");
        assertThat(t.get("checkpoint_at_most_50_mb_per_million_events")).isEqualTo("met (50 MB)");

        Map<String, Object> small = BenchReport.targets(ratios, sluice, 200_000, 1_000);
        assertThat((String) small.get("checkpoint_at_most_50_mb_per_million_events"))
                .endsWith("(at 200,000 events; the target is at 1,000,000)");
        assertThat((String) small.get("freshness_p99_under_2000_ms"))
                .contains("measured with 1000 ms checkpoints");
    }
}
