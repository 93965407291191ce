package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweep report reads what the benchmark writes, and relates each run to the first. */
class SweepReportTest {
    private static Path run(Path dir, int p, double analytics, double pgoutput, double mirror)
            throws Exception {
        Path out = dir.resolve("p" + p);
        Files.createDirectories(out);
        Report.writeJson(
                out.resolve("bench.json"),
                Map.of(
                        "ceilings",
                        Map.of("pgoutput_rows_per_s", pgoutput),
                        "sluice",
                        Map.of(
                                "catchup_analytics_rows_per_s",
                                analytics,
                                "catchup_analytics_cpu_seconds",
                                40.0,
                                "catchup_mirror_rows_per_s",
                                mirror,
                                "snapshot_analytics_rows_per_s",
                                6000.0,
                                "cpu_seconds_by_stage",
                                Map.of("catchup_analytics", Map.of("wall_seconds", 25.0)))));
        return out.resolve("bench.json");
    }

    @Test
    void relatesEachParallelismToTheFirst(@TempDir Path dir) throws Exception {
        SweepReport.Point one = SweepReport.read(1, run(dir, 1, 5000, 100_000, 20_000));
        SweepReport.Point four = SweepReport.read(4, run(dir, 4, 7500, 125_000, 30_000));

        assertThat(one.ratio()).isEqualTo(0.05);
        assertThat(four.coresBusy()).isEqualTo(1.6);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> runs =
                (List<Map<String, Object>>) SweepReport.figures(List.of(one, four)).get("runs");
        assertThat(runs.get(1))
                .containsEntry("parallelism", 4)
                .containsEntry("catchup_analytics_speedup", 1.5)
                .containsEntry("catchup_analytics_ratio_to_pgoutput", 0.06)
                .containsEntry("catchup_mirror_speedup", 1.5);
        assertThat(SweepReport.table(List.of(one, four)).get(2)).startsWith("4 ").contains("1.50");
    }

    @Test
    void namesAMissingFigure(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bench.json");
        Report.writeJson(file, Map.of("sluice", Map.of()));
        assertThatThrownBy(() -> SweepReport.read(2, file))
                .hasMessageContaining("catchup_analytics_rows_per_s")
                .hasMessageContaining(file.toString());
    }
}
