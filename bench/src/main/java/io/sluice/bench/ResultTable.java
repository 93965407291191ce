package io.sluice.bench;

import java.util.Locale;
import java.util.Map;

/** The bench's figures as a table on standard output, each next to its ceiling and target. */
final class ResultTable {
    private ResultTable() {}

    @SuppressWarnings("unchecked")
    static void print(Map<String, Object> all) {
        Map<String, Object> c = (Map<String, Object>) all.get("ceilings");
        Map<String, Object> s = (Map<String, Object>) all.get("sluice");
        Map<String, Object> r = (Map<String, Object>) all.get("ratios");
        Map<String, Object> f = (Map<String, Object>) s.get("freshness");
        Map<String, Object> t = (Map<String, Object>) all.get("targets");
        System.out.println();
        System.out.println(Report.row("figure", "sluice", "ceiling (same run)", "ratio", "target"));
        System.out.println("-".repeat(120));
        System.out.println(
                Report.row(
                        "streaming catch-up, analytics job, rows/s",
                        rate(s, "catchup_analytics_rows_per_s"),
                        "pgoutput " + rate(c, "pgoutput_rows_per_s"),
                        ratio(r, "catchup_analytics_vs_pgoutput"),
                        ">= 0.4: " + t.get("catchup_analytics_at_least_0.4_of_pgoutput")));
        System.out.println(
                Report.row(
                        "streaming catch-up, mirror job, rows/s",
                        rate(s, "catchup_mirror_rows_per_s"),
                        "pgoutput " + rate(c, "pgoutput_rows_per_s"),
                        ratio(r, "catchup_mirror_vs_pgoutput"),
                        ">= 0.6: " + t.get("catchup_mirror_at_least_0.6_of_pgoutput")));
        System.out.println(
                Report.row(
                        "snapshot, mirror job, rows/s",
                        rate(s, "snapshot_mirror_rows_per_s"),
                        "COPY->ClickHouse " + rate(c, "copy_into_clickhouse_rows_per_s"),
                        ratio(r, "snapshot_mirror_vs_copy_into_clickhouse"),
                        ">= 0.5: "
                                + t.get("snapshot_mirror_at_least_0.5_of_copy_into_clickhouse")));
        System.out.println(
                Report.row(
                        "snapshot, analytics job, rows/s",
                        rate(s, "snapshot_analytics_rows_per_s"),
                        "COPY->ClickHouse " + rate(c, "copy_into_clickhouse_rows_per_s"),
                        ratio(r, "snapshot_analytics_vs_copy_into_clickhouse"),
                        ">= 0.3: "
                                + t.get(
                                        "snapshot_analytics_at_least_0.3_of_copy_into_clickhouse")));
        String other =
                "rocksdb".equals(((Map<String, Object>) all.get("settings")).get("state_backend"))
                        ? "hashmap"
                        : "rocksdb";
        Map<String, Object> o = (Map<String, Object>) all.get("analytics_on_" + other);
        if (o != null) {
            printOtherBackend(other, o, r, t);
        }
        Map<String, Object> peer = (Map<String, Object>) all.get("peer");
        System.out.println(
                Report.row(
                        "catch-up, mirror vs peer (Debezium engine)",
                        rate(s, "catchup_mirror_rows_per_s"),
                        "peer " + rate(peer, "catchup_rows_per_s"),
                        ratio(r, "catchup_mirror_vs_peer"),
                        "CPU s mirror/peer: " + ratio(r, "catchup_mirror_cpu_vs_peer")));
        System.out.println(
                Report.row(
                        "snapshot, mirror vs peer (Debezium engine)",
                        rate(s, "snapshot_mirror_rows_per_s"),
                        "peer " + rate(peer, "snapshot_rows_per_s"),
                        ratio(r, "snapshot_mirror_vs_peer"),
                        ""));
        System.out.println(
                Report.row(
                        "freshness p50 / p95 / p99, ms",
                        f.get("p50_ms") + " / " + f.get("p95_ms") + " / " + f.get("p99_ms"),
                        String.format(
                                Locale.ROOT,
                                "%,.0f ev/s, ckpt %s ms",
                                (Double) f.get("rate_written_per_s"),
                                f.get("checkpoint_interval_ms")),
                        "",
                        "p99 < 2000: " + t.get("freshness_p99_under_2000_ms")));
        System.out.println(
                Report.row(
                        "freshness in events_per_minute p50/p95/p99",
                        f.get("rollup_p50_ms")
                                + " / "
                                + f.get("rollup_p95_ms")
                                + " / "
                                + f.get("rollup_p99_ms"),
                        f.containsKey("checkpoint_duration_p50_ms")
                                ? "checkpoints took "
                                        + f.get("checkpoint_duration_p50_ms")
                                        + " ms (p50), "
                                        + f.get("checkpoint_duration_max_ms")
                                        + " max"
                                : "read with FINAL",
                        "",
                        "p99 < 3000: " + t.get("rollup_freshness_p99_under_3000_ms")));
        System.out.println(
                Report.row(
                        "ceiling: COPY to a file, rows/s",
                        "",
                        rate(c, "copy_to_file_rows_per_s"),
                        "",
                        ""));
        System.out.println(
                Report.row(
                        "ceiling: ClickHouse insert (1M batches), rows/s",
                        "",
                        rate(c, "clickhouse_insert_rows_per_s"),
                        "",
                        ""));
        System.out.println(
                Report.row(
                        "resources: catch-up CPU s (analytics / mirror)",
                        String.format(
                                Locale.ROOT,
                                "%.1f / %.1f",
                                (Double) s.get("catchup_analytics_cpu_seconds"),
                                (Double) s.get("catchup_mirror_cpu_seconds")),
                        "",
                        "",
                        "whole bench JVM"));
        System.out.println(
                Report.row(
                        "resources: peak RSS MB (catch-up / freshness)",
                        s.get("catchup_analytics_peak_rss_mb") + " / " + f.get("peak_rss_mb"),
                        "whole bench JVM",
                        "",
                        "<= 2048: " + t.get("peak_rss_at_most_2048_mb")));
        System.out.println(
                Report.row(
                        "checkpoint MB per million events",
                        String.format(
                                Locale.ROOT,
                                "%.1f",
                                (Double) s.get("checkpoint_mb_per_million_events")),
                        "",
                        "",
                        "<= 50: " + t.get("checkpoint_at_most_50_mb_per_million_events")));
        System.out.println();
        System.out.println(
                "where the CPU went, by stage (CPU seconds; the first is the bottleneck on a"
                        + " CPU-bound machine):");
        Map<String, Object> cpu = (Map<String, Object>) s.get("cpu_seconds_by_stage");
        for (Map.Entry<String, Object> phase : cpu.entrySet()) {
            Map<String, Double> stages = (Map<String, Double>) phase.getValue();
            double total =
                    stages.entrySet().stream()
                            .filter(e -> !e.getKey().equals("wall_seconds"))
                            .mapToDouble(Map.Entry::getValue)
                            .sum();
            StringBuilder line = new StringBuilder();
            for (Map.Entry<String, Double> e : stages.entrySet()) {
                if (e.getKey().equals("wall_seconds") || line.length() > 400) {
                    continue;
                }
                line.append(
                        String.format(
                                Locale.ROOT,
                                "%s%s %.1f (%.0f %%)",
                                line.length() == 0 ? "" : "; ",
                                e.getKey(),
                                e.getValue(),
                                100 * e.getValue() / total));
            }
            System.out.printf(
                    Locale.ROOT,
                    "  %s, %.0f s wall, %.0f CPU s: %s%n",
                    phase.getKey().replace('_', ' '),
                    stages.get("wall_seconds"),
                    total,
                    line);
        }
    }

    private static void printOtherBackend(
            String other, Map<String, Object> o, Map<String, Object> r, Map<String, Object> t) {
        System.out.println(
                Report.row(
                        "snapshot, analytics job on " + other + ", rows/s",
                        rate(o, "snapshot_analytics_rows_per_s"),
                        "",
                        ratio(r, "snapshot_analytics_rocksdb_vs_hashmap"),
                        "rocksdb/hashmap >= 0.67: " + t.get("rocksdb_within_1.5x_of_hashmap")));
        System.out.println(
                Report.row(
                        "catch-up, analytics job on " + other + ", rows/s",
                        rate(o, "catchup_analytics_rows_per_s"),
                        "",
                        ratio(r, "catchup_analytics_rocksdb_vs_hashmap"),
                        String.format(
                                Locale.ROOT,
                                "CPU %.1f s, ckpt %.1f MB/M events, last wrote %.1f MB",
                                (Double) o.get("catchup_analytics_cpu_seconds"),
                                (Double) o.get("checkpoint_mb_per_million_events"),
                                ((Number) o.get("checkpoint_written_bytes")).longValue() / 1e6)));
    }

    private static String rate(Map<String, Object> m, String key) {
        return String.format(Locale.ROOT, "%,.0f", (Double) m.get(key));
    }

    private static String ratio(Map<String, Object> m, String key) {
        return String.format(Locale.ROOT, "%.2f", (Double) m.get(key));
    }
}
