package io.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** phases.png, drawn from the published 1M-event run's figures and from partial ones. */
class PhaseChartsTest {
    private static final Rectangle[] PANELS = {
        PhaseCharts.SNAPSHOT, PhaseCharts.CATCHUP, PhaseCharts.CPU, PhaseCharts.FRESHNESS
    };

    @SuppressWarnings("unchecked")
    private static Map<String, Object> baseline() throws Exception {
        return new ObjectMapper()
                .readValue(Path.of("..", "docs", "bench-baseline.json").toFile(), Map.class);
    }

    private static BufferedImage written(Map<String, Object> all, Path dir) throws Exception {
        Path file = dir.resolve("phases.png");
        PhaseCharts.write(file, all);
        BufferedImage img = ImageIO.read(file.toFile());
        assertThat(img).as("a readable PNG").isNotNull();
        assertThat(img.getWidth()).isEqualTo(PhaseCharts.WIDTH);
        assertThat(img.getHeight()).isEqualTo(PhaseCharts.HEIGHT);
        return img;
    }

    /** Pixels of a colour (bars, not the black and grey of text and grid lines) in the region. */
    private static int coloured(BufferedImage img, Rectangle r) {
        int n = 0;
        for (int y = r.y; y < r.y + r.height; y++) {
            for (int x = r.x; x < r.x + r.width; x++) {
                int rgb = img.getRGB(x, y);
                int red = (rgb >> 16) & 0xff;
                int green = (rgb >> 8) & 0xff;
                int blue = rgb & 0xff;
                int spread =
                        Math.max(red, Math.max(green, blue)) - Math.min(red, Math.min(green, blue));
                if (spread > 60) {
                    n++;
                }
            }
        }
        return n;
    }

    @Test
    void drawsEveryPanelOfAFullRun(@TempDir Path dir) throws Exception {
        BufferedImage img = written(baseline(), dir);
        for (Rectangle panel : PANELS) {
            assertThat(coloured(img, panel)).as("bars drawn in %s", panel).isGreaterThan(500);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void drawsARunWithoutTheOtherBackendOrThePeer(@TempDir Path dir) throws Exception {
        Map<String, Object> all = new LinkedHashMap<>(baseline());
        all.remove("analytics_on_rocksdb");
        all.remove("peer");
        Map<String, Object> sluice = new LinkedHashMap<>((Map<String, Object>) all.get("sluice"));
        Map<String, Object> cpu =
                new LinkedHashMap<>((Map<String, Object>) sluice.get("cpu_seconds_by_stage"));
        cpu.keySet().removeIf(phase -> phase.endsWith("_rocksdb"));
        sluice.put("cpu_seconds_by_stage", cpu);
        all.put("sluice", sluice);

        BufferedImage full = written(baseline(), dir);
        BufferedImage partial = written(all, dir);
        for (Rectangle panel : PANELS) {
            assertThat(coloured(partial, panel)).as("bars drawn in %s", panel).isGreaterThan(500);
        }
        assertThat(coloured(partial, PhaseCharts.SNAPSHOT))
                .as("two bars fewer")
                .isLessThan(coloured(full, PhaseCharts.SNAPSHOT));
    }

    @Test
    void aRunWithoutFiguresDrawsNoBars(@TempDir Path dir) throws Exception {
        BufferedImage img = written(Map.of("sluice", Map.of(), "ceilings", Map.of()), dir);
        for (Rectangle panel : PANELS) {
            assertThat(coloured(img, panel)).as("no bars in %s", panel).isZero();
        }
    }

    @Test
    void eachPhaseKeepsItsLargestStagesAndSumsTheRest() {
        Map<String, Object> stages = new LinkedHashMap<>();
        for (int i = 1; i <= 8; i++) {
            stages.put("stage " + i, (double) i);
        }
        stages.put("other threads", 0.5);
        stages.put("wall_seconds", 99.0);

        Map<String, Double> top = PhaseCharts.topStages(stages, 6);

        assertThat(top.keySet())
                .containsExactly(
                        "stage 8", "stage 7", "stage 6", "stage 5", "stage 4", "stage 3", "other");
        assertThat(top.get("other")).as("stages 1 and 2 and the other threads").isEqualTo(3.5);
        assertThat(top.values().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(36.5);
    }

    @Test
    void longStageNamesAreCut() {
        assertThat(PhaseCharts.shortName("a".repeat(60))).hasSize(PhaseCharts.STAGE_NAME_CHARS);
        assertThat(PhaseCharts.shortName("sessions-daily")).isEqualTo("sessions-daily");
    }
}
