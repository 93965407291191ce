package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.config.JobOptions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole benchmark on tiny data, so the harness cannot rot: every phase runs against the real
 * servers and every figure, ratio, the JSON file and the chart come out. No figure is judged here
 * (performance is reported by `./sluice bench`, never asserted in tests).
 */
class BenchSmokeIT {
    @Test
    @SuppressWarnings("unchecked")
    void everyPhaseProducesItsFigures(@TempDir Path out) throws Exception {
        Map<String, Object> all =
                Bench.run(
                        new Bench.Args(
                                3_000,
                                200,
                                out,
                                5,
                                2,
                                JobOptions.StateBackend.HASHMAP,
                                true,
                                Bench.Args.DEFAULT_CHECKPOINT_MS,
                                Bench.Workload.MIXED));

        Map<String, Object> ceilings = (Map<String, Object>) all.get("ceilings");
        assertThat(ceilings)
                .containsOnlyKeys(
                        "copy_to_file_rows_per_s",
                        "clickhouse_insert_rows_per_s",
                        "copy_into_clickhouse_rows_per_s",
                        "pgoutput_rows_per_s");
        assertThat(ceilings.values()).allMatch(v -> (Double) v > 0);
        Map<String, Object> sluice = (Map<String, Object>) all.get("sluice");
        for (String key :
                new String[] {
                    "snapshot_mirror_rows_per_s",
                    "snapshot_analytics_rows_per_s",
                    "catchup_mirror_rows_per_s",
                    "catchup_analytics_rows_per_s"
                }) {
            assertThat((Double) sluice.get(key)).as(key).isPositive();
        }
        Map<String, Object> peer = (Map<String, Object>) all.get("peer");
        assertThat(peer)
                .as("the peer (Debezium's embedded engine) snapshots and catches up")
                .containsOnlyKeys(
                        "snapshot_rows_per_s",
                        "snapshot_cpu_seconds",
                        "catchup_rows_per_s",
                        "catchup_cpu_seconds");
        assertThat(peer.values()).allMatch(v -> (Double) v > 0);
        Map<String, Object> cpu = (Map<String, Object>) sluice.get("cpu_seconds_by_stage");
        assertThat(cpu)
                .containsOnlyKeys(
                        "snapshot_mirror",
                        "snapshot_analytics",
                        "snapshot_analytics_rocksdb",
                        "catchup_mirror",
                        "catchup_analytics_rocksdb",
                        "catchup_analytics");
        Map<String, Object> rocksdb = (Map<String, Object>) all.get("analytics_on_rocksdb");
        assertThat((Double) rocksdb.get("snapshot_analytics_rows_per_s"))
                .as("the analytics job snapshots on RocksDB too")
                .isPositive();
        assertThat((Double) rocksdb.get("catchup_analytics_rows_per_s")).isPositive();
        assertThat((Long) rocksdb.get("checkpoint_written_bytes"))
                .as("an incremental checkpoint writes no more than the whole state")
                .isPositive()
                .isLessThanOrEqualTo((Long) rocksdb.get("checkpoint_bytes"));
        Map<String, Double> catchup = (Map<String, Double>) cpu.get("catchup_analytics");
        assertThat(catchup.keySet())
                .as("the analytics job's own tasks are among the stages")
                .anyMatch(stage -> stage.startsWith("clean-and-dedupe"))
                .contains("wall_seconds", "ClickHouse server");
        Map<String, Object> fresh = (Map<String, Object>) sluice.get("freshness");
        assertThat((Integer) fresh.get("batches")).isGreaterThan(10);
        assertThat((Integer) fresh.get("rollup_batches"))
                .as("every batch is counted in events_per_minute too")
                .isEqualTo(fresh.get("batches"));
        assertThat((Long) fresh.get("rollup_p50_ms"))
                .isLessThanOrEqualTo((Long) fresh.get("rollup_p99_ms"));
        assertThat((Long) fresh.get("p50_ms")).isLessThanOrEqualTo((Long) fresh.get("p99_ms"));
        assertThat((Long) fresh.get("checkpoint_duration_p50_ms"))
                .as("the checkpoints of the freshness phase were read")
                .isPositive()
                .isLessThanOrEqualTo((Long) fresh.get("checkpoint_duration_max_ms"));
        assertThat(((Map<String, Object>) all.get("ratios")).values())
                .allMatch(v -> (Double) v > 0);

        String json = Files.readString(out.resolve("bench.json"));
        assertThat(json)
                .contains("\"pgoutput_rows_per_s\"")
                .contains("\"p99_ms\"")
                .contains("\"cores\"");
        BufferedImage chart = ImageIO.read(out.resolve("freshness.png").toFile());
        assertThat(chart).isNotNull();
        assertThat(chart.getWidth()).isEqualTo(1000);
        BufferedImage phases = ImageIO.read(out.resolve("phases.png").toFile());
        assertThat(phases).as("a chart per phase").isNotNull();
        assertThat(phases.getWidth()).isEqualTo(PhaseCharts.WIDTH);
    }
}
