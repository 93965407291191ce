package io.sluice.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./sluice bench sweep}: the benchmark run once per parallelism (each in its own JVM, into
 * {@code DIR/p<N>}), then this report of how the catch-ups scale: per parallelism the analytics and
 * mirror catch-up rows/s, the analytics one as a ratio to the same run's pgoutput ceiling and as a
 * speedup over the first parallelism, and how many cores its CPU kept busy (CPU s / wall s).
 * Written as {@code DIR/sweep.json} and printed as a table.
 */
final class SweepReport {
    private SweepReport() {}

    /** One run's figures. */
    record Point(
            int parallelism,
            double analyticsRowsPerS,
            double pgoutputRowsPerS,
            double analyticsCpuS,
            double analyticsWallS,
            double mirrorRowsPerS,
            double analyticsSnapshotRowsPerS) {
        double ratio() {
            return analyticsRowsPerS / pgoutputRowsPerS;
        }

        double coresBusy() {
            return analyticsCpuS / analyticsWallS;
        }
    }

    /** The figures of one run's {@code bench.json}. */
    static Point read(int parallelism, Path benchJson) throws IOException {
        JsonNode all = new ObjectMapper().readTree(benchJson.toFile());
        JsonNode sluice = all.path("sluice");
        double wall =
                sluice.path("cpu_seconds_by_stage")
                        .path("catchup_analytics")
                        .path("wall_seconds")
                        .asDouble(Double.NaN);
        return new Point(
                parallelism,
                number(sluice, "catchup_analytics_rows_per_s", benchJson),
                number(all.path("ceilings"), "pgoutput_rows_per_s", benchJson),
                number(sluice, "catchup_analytics_cpu_seconds", benchJson),
                wall,
                number(sluice, "catchup_mirror_rows_per_s", benchJson),
                number(sluice, "snapshot_analytics_rows_per_s", benchJson));
    }

    private static double number(JsonNode node, String field, Path file) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(file + " has no figure " + field);
        }
        return v.asDouble();
    }

    /** The sweep as JSON-ready figures; speedups are over the first point. */
    static Map<String, Object> figures(List<Point> points) {
        Map<String, Object> out = new LinkedHashMap<>();
        List<Map<String, Object>> runs = new ArrayList<>();
        Point first = points.get(0);
        for (Point p : points) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("parallelism", p.parallelism());
            r.put("catchup_analytics_rows_per_s", p.analyticsRowsPerS());
            r.put("pgoutput_rows_per_s", p.pgoutputRowsPerS());
            r.put("catchup_analytics_ratio_to_pgoutput", p.ratio());
            r.put("catchup_analytics_speedup", p.analyticsRowsPerS() / first.analyticsRowsPerS());
            r.put("catchup_analytics_cpu_seconds", p.analyticsCpuS());
            r.put("catchup_analytics_cores_busy", p.coresBusy());
            r.put("catchup_mirror_rows_per_s", p.mirrorRowsPerS());
            r.put("catchup_mirror_speedup", p.mirrorRowsPerS() / first.mirrorRowsPerS());
            r.put("snapshot_analytics_rows_per_s", p.analyticsSnapshotRowsPerS());
            runs.add(r);
        }
        out.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("runs", runs);
        return out;
    }

    /** The console table. */
    static List<String> table(List<Point> points) {
        List<String> lines = new ArrayList<>();
        lines.add(
                String.format(
                        Locale.ROOT,
                        "%-11s %14s %9s %8s %8s %11s %14s %14s",
                        "parallelism",
                        "analytics r/s",
                        "ratio",
                        "speedup",
                        "CPU s",
                        "cores busy",
                        "mirror r/s",
                        "mirror speedup"));
        Point first = points.get(0);
        for (Point p : points) {
            lines.add(
                    String.format(
                            Locale.ROOT,
                            "%-11d %,14.0f %9.3f %8.2f %8.1f %11.2f %,14.0f %14.2f",
                            p.parallelism(),
                            p.analyticsRowsPerS(),
                            p.ratio(),
                            p.analyticsRowsPerS() / first.analyticsRowsPerS(),
                            p.analyticsCpuS(),
                            p.coresBusy(),
                            p.mirrorRowsPerS(),
                            p.mirrorRowsPerS() / first.mirrorRowsPerS()));
        }
        return lines;
    }

    /** Usage: {@code SweepReport DIR P1 P2 ...}, each run's output in {@code DIR/p<P>}. */
    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: SweepReport DIR PARALLELISM...");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        List<Point> points = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            int p = Integer.parseInt(args[i]);
            points.add(read(p, dir.resolve("p" + p).resolve("bench.json")));
        }
        System.out.printf(
                Locale.ROOT,
                "%nParallelism sweep (%d cores; each run in its own JVM)%n",
                Runtime.getRuntime().availableProcessors());
        table(points).forEach(System.out::println);
        Report.writeJson(dir.resolve("sweep.json"), figures(points));
        Files.writeString(dir.resolve("sweep.txt"), String.join("\n", table(points)) + "\n");
        System.out.println("wrote " + dir.resolve("sweep.json"));
    }
}
