package io.sluice.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * {@code phases.png}: one panel per phase of a bench run, drawn from the figures {@link
 * BenchReport#write} puts in {@code bench.json}: the snapshot and catch-up rates next to their
 * ceilings and targets, where each phase's CPU went by stage, and the freshness percentiles next to
 * their targets. A figure the run did not measure is left out (a panel without any says so).
 */
final class PhaseCharts {
    private PhaseCharts() {}

    static final int WIDTH = 1400;
    static final int HEIGHT = 1160;

    static final Rectangle SNAPSHOT = new Rectangle(0, 64, 700, 300);
    static final Rectangle CATCHUP = new Rectangle(700, 64, 700, 300);
    static final Rectangle CPU = new Rectangle(0, 364, 1400, 460);
    static final Rectangle FRESHNESS = new Rectangle(0, 824, 1400, 336);

    /** Stages drawn for each phase; the rest of its CPU is drawn as "other". */
    static final int TOP_STAGES = 6;

    static final int STAGE_NAME_CHARS = 40;
    static final String OTHER = "other";

    private static final Color CEILING = new Color(140, 140, 140);
    private static final Color MIRROR = new Color(31, 119, 180);
    private static final Color ANALYTICS = new Color(255, 127, 14);
    private static final Color OTHER_BACKEND = new Color(140, 86, 75);
    private static final Color PEER = new Color(148, 103, 189);
    private static final Color TARGET = new Color(214, 39, 40);
    private static final Color GRID = new Color(232, 232, 232);
    private static final Color MUTED = new Color(90, 90, 90);
    private static final Color OTHER_STAGES = new Color(205, 205, 205);
    private static final Color[] PALETTE = {
        new Color(31, 119, 180),
        new Color(255, 127, 14),
        new Color(44, 160, 44),
        new Color(214, 39, 40),
        new Color(148, 103, 189),
        new Color(140, 86, 75),
        new Color(227, 119, 194),
        new Color(188, 189, 34),
        new Color(23, 190, 207),
        new Color(174, 199, 232),
        new Color(255, 187, 120),
        new Color(152, 223, 138),
        new Color(255, 152, 150),
        new Color(197, 176, 213),
        new Color(196, 156, 148),
        new Color(247, 182, 210),
        new Color(219, 219, 141),
        new Color(158, 218, 229),
    };

    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 20);
    private static final Font HEADING = new Font(Font.SANS_SERIF, Font.BOLD, 15);
    private static final Font BOLD = new Font(Font.SANS_SERIF, Font.BOLD, 12);
    private static final Font PLAIN = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Font SMALL = new Font(Font.SANS_SERIF, Font.PLAIN, 11);

    /** Writes the chart of a run's figures (the map written as {@code bench.json}). */
    static void write(Path file, Map<String, Object> all) throws IOException {
        ImageIO.write(render(all), "png", file.toFile());
    }

    static BufferedImage render(Map<String, Object> all) {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(
                RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        header(g, all);
        Map<String, Object> ceilings = map(all.get("ceilings"));
        Map<String, Object> sluice = map(all.get("sluice"));
        Map<String, Object> peer = map(all.get("peer"));
        Map<String, Object> targets = map(all.get("targets"));
        String mainBackend = mainBackend(all);
        String otherBackend = null;
        Map<String, Object> other = Map.of();
        for (Map.Entry<String, Object> e : all.entrySet()) {
            if (e.getKey().startsWith("analytics_on_") && e.getValue() instanceof Map) {
                otherBackend = e.getKey().substring("analytics_on_".length());
                other = map(e.getValue());
            }
        }
        rates(
                g,
                SNAPSHOT,
                "Snapshot: a fresh job copies the table into ClickHouse",
                "snapshot",
                "COPY into ClickHouse",
                number(ceilings, "copy_into_clickhouse_rows_per_s"),
                sluice,
                other,
                peer,
                targets,
                mainBackend,
                otherBackend);
        rates(
                g,
                CATCHUP,
                "Catch-up: a restored job streams the changes it missed",
                "catchup",
                "pgoutput (pg_recvlogical)",
                number(ceilings, "pgoutput_rows_per_s"),
                sluice,
                other,
                peer,
                targets,
                mainBackend,
                otherBackend);
        cpu(g, CPU, map(sluice.get("cpu_seconds_by_stage")), mainBackend);
        freshness(g, FRESHNESS, map(sluice.get("freshness")), targets);
        g.dispose();
        return img;
    }

    private static void header(Graphics2D g, Map<String, Object> all) {
        g.setColor(Color.BLACK);
        g.setFont(TITLE);
        g.drawString("Sluice bench, phase by phase", 20, 30);
        List<String> parts = new ArrayList<>();
        Double events = number(all, "events_per_phase");
        if (events != null) {
            parts.add(String.format(Locale.ROOT, "%,.0f events per phase", events));
        }
        Map<String, Object> settings = map(all.get("settings"));
        if (settings.get("state_backend") != null) {
            parts.add(backendName(settings.get("state_backend").toString()) + " state backend");
        }
        if (settings.get("parallelism") != null) {
            parts.add("parallelism " + settings.get("parallelism"));
        }
        if (settings.get("checkpoint_interval_ms") != null) {
            parts.add("checkpoint every " + settings.get("checkpoint_interval_ms") + " ms");
        }
        Map<String, Object> machine = map(all.get("machine"));
        if (machine.get("cores") != null) {
            parts.add(machine.get("cores") + " cores");
        }
        if (all.get("when") != null) {
            parts.add(all.get("when").toString().replaceAll("\\.\\d+Z$", "Z"));
        }
        g.setFont(PLAIN);
        g.setColor(MUTED);
        g.drawString(String.join(", ", parts), 20, 50);
        g.setColor(new Color(200, 200, 200));
        g.drawLine(0, SNAPSHOT.y, WIDTH, SNAPSHOT.y);
    }

    private record Bar(String label, double value, Color color, Double target, String note) {}

    /** Rows/s of the phase's runs, as horizontal bars, with the ceiling as the last one. */
    private static void rates(
            Graphics2D g,
            Rectangle r,
            String title,
            String phase,
            String ceilingLabel,
            Double ceiling,
            Map<String, Object> sluice,
            Map<String, Object> other,
            Map<String, Object> peer,
            Map<String, Object> targets,
            String mainBackend,
            String otherBackend) {
        frame(g, r, title, "rows/s and the ratio to the ceiling; dashed red: the target");
        List<Bar> bars = new ArrayList<>();
        Double mirror = number(sluice, phase + "_mirror_rows_per_s");
        if (mirror != null) {
            Double goal = atLeast(targets, phase + "_mirror");
            bars.add(
                    new Bar(
                            "Sluice mirror",
                            mirror,
                            MIRROR,
                            goal == null || ceiling == null ? null : goal * ceiling,
                            goal == null ? null : goalText(goal)));
        }
        Double analytics = number(sluice, phase + "_analytics_rows_per_s");
        Double onOther = number(other, phase + "_analytics_rows_per_s");
        Double within = within(targets);
        boolean heapIsMain = !"rocksdb".equals(mainBackend);
        if (analytics != null) {
            Double goal = atLeast(targets, phase + "_analytics");
            Double target = goal == null || ceiling == null ? null : goal * ceiling;
            String note = goal == null ? null : goalText(goal);
            if (!heapIsMain && onOther != null && within != null) {
                target = onOther / within;
                note = String.format(Locale.ROOT, "target: %.2fx heap", 1 / within);
            }
            bars.add(
                    new Bar(
                            "Sluice analytics (" + backendName(mainBackend) + ")",
                            analytics,
                            ANALYTICS,
                            target,
                            note));
        }
        if (onOther != null) {
            boolean targetHere = heapIsMain && analytics != null && within != null;
            bars.add(
                    new Bar(
                            "Sluice analytics (" + backendName(otherBackend) + ")",
                            onOther,
                            OTHER_BACKEND,
                            targetHere ? analytics / within : null,
                            targetHere
                                    ? String.format(Locale.ROOT, "target: %.2fx heap", 1 / within)
                                    : null));
        }
        Double peerRate = number(peer, phase + "_rows_per_s");
        if (peerRate != null) {
            bars.add(new Bar("Debezium peer", peerRate, PEER, null, null));
        }
        if (bars.isEmpty()) {
            notMeasured(g, r);
            return;
        }
        if (ceiling != null) {
            bars.add(new Bar(ceilingLabel, ceiling, CEILING, null, null));
        }
        double max = 0;
        for (Bar b : bars) {
            max = Math.max(max, Math.max(b.value(), b.target() == null ? 0 : b.target()));
        }
        double step = niceStep(max / 7);
        max = Math.ceil(max * 1.02 / step) * step;
        int labelW = 200;
        int textW = 150;
        int x0 = r.x + 20 + labelW;
        int plotW = r.width - 40 - labelW - textW;
        int top = r.y + 62;
        int plotH = r.height - 62 - 34;
        int rowH = Math.min(44, plotH / bars.size());
        int barH = Math.min(24, rowH - 12);
        grid(g, x0, top, plotW, rowH * bars.size(), max, step, PhaseCharts::rateTick);
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int rowTop = top + i * rowH;
            int by = rowTop + (rowH - barH) / 2;
            int bw = (int) Math.round(plotW * b.value() / max);
            g.setColor(b.color());
            g.fillRect(x0, by, Math.max(bw, 1), barH);
            g.setFont(PLAIN);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            String label = fit(g, b.label(), labelW - 12);
            g.drawString(label, x0 - 10 - fm.stringWidth(label), by + barH / 2 + 5);
            String value = String.format(Locale.ROOT, "%,.0f/s", b.value());
            g.setFont(BOLD);
            g.drawString(value, x0 + plotW + 12, by + barH / 2 - 1);
            g.setFont(SMALL);
            g.setColor(MUTED);
            String ratio =
                    b.color() == CEILING
                            ? "the ceiling"
                            : ceiling == null
                                    ? "no ceiling measured"
                                    : String.format(
                                            Locale.ROOT,
                                            "%.2f of the ceiling",
                                            b.value() / ceiling);
            g.drawString(ratio, x0 + plotW + 12, by + barH / 2 + 12);
            if (b.target() != null) {
                int tx = x0 + (int) Math.round(plotW * b.target() / max);
                dashed(g, TARGET);
                g.drawLine(tx, rowTop + 2, tx, rowTop + rowH - 2);
                g.setStroke(new BasicStroke(1));
                g.setFont(SMALL);
                g.setColor(TARGET);
                int w = g.getFontMetrics().stringWidth(b.note());
                int lx = tx + 4 + w <= x0 + plotW ? tx + 4 : tx - 4 - w;
                g.drawString(b.note(), lx, rowTop + 11);
            }
        }
    }

    /** For each phase, its CPU seconds by stage as a bar of shares, and one legend of stages. */
    @SuppressWarnings("unchecked")
    private static void cpu(
            Graphics2D g, Rectangle r, Map<String, Object> byPhase, String mainBackend) {
        frame(
                g,
                r,
                "Where the CPU goes, by phase",
                "each phase's CPU seconds by stage, as shares of the phase; its "
                        + TOP_STAGES
                        + " largest stages, the rest as \"other\". Outlined: the stage that"
                        + " bounds the phase (its largest, the JVM's unattributed threads aside)");
        Map<String, Map<String, Double>> tops = new LinkedHashMap<>();
        Map<String, Double> totals = new LinkedHashMap<>();
        Map<String, Double> walls = new LinkedHashMap<>();
        Map<String, Double> stageTotals = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : byPhase.entrySet()) {
            if (!(e.getValue() instanceof Map<?, ?> m) || m.isEmpty()) {
                continue;
            }
            Map<String, Object> stages = (Map<String, Object>) m;
            Map<String, Double> top = topStages(stages, TOP_STAGES);
            double total = top.values().stream().mapToDouble(Double::doubleValue).sum();
            if (total <= 0) {
                continue;
            }
            tops.put(e.getKey(), top);
            totals.put(e.getKey(), total);
            walls.put(e.getKey(), number(stages, "wall_seconds"));
            for (Map.Entry<String, Double> s : top.entrySet()) {
                if (!s.getKey().equals(OTHER)) {
                    stageTotals.merge(s.getKey(), s.getValue() / total, Double::sum);
                }
            }
        }
        if (tops.isEmpty()) {
            notMeasured(g, r);
            return;
        }
        // One color per stage across the phases, the largest stages first.
        List<String> legend = new ArrayList<>(stageTotals.keySet());
        legend.sort(Comparator.comparing(stageTotals::get).reversed());
        legend = legend.subList(0, Math.min(legend.size(), PALETTE.length));
        Map<String, Color> colors = new LinkedHashMap<>();
        for (String s : legend) {
            colors.put(s, PALETTE[colors.size()]);
        }
        colors.put(OTHER, OTHER_STAGES);

        int labelW = 250;
        int x0 = r.x + 20 + labelW;
        int plotW = r.width - 40 - labelW - 20;
        int top = r.y + 62;
        int legendRows = (colors.size() + 2) / 3;
        int legendH = legendRows * 18;
        int plotH = r.height - 62 - 30 - legendH - 16;
        int rowH = Math.min(40, plotH / tops.size());
        int barH = Math.min(26, rowH - 8);
        grid(g, x0, top, plotW, rowH * tops.size(), 1.0, 0.25, v -> Math.round(v * 100) + " %");
        int i = 0;
        for (Map.Entry<String, Map<String, Double>> phase : tops.entrySet()) {
            int rowTop = top + i++ * rowH;
            int by = rowTop + (rowH - barH) / 2;
            double total = totals.get(phase.getKey());
            Map<String, Double> segments = new LinkedHashMap<>();
            double rest = 0;
            for (Map.Entry<String, Double> s : phase.getValue().entrySet()) {
                if (colors.containsKey(s.getKey()) && !s.getKey().equals(OTHER)) {
                    segments.put(s.getKey(), s.getValue());
                } else {
                    rest += s.getValue();
                }
            }
            if (rest > 0) {
                segments.put(OTHER, rest);
            }
            String bound = boundingStage(phase.getValue());
            double x = x0;
            Rectangle outline = null;
            for (Map.Entry<String, Double> s : segments.entrySet()) {
                double w = plotW * s.getValue() / total;
                int sx = (int) Math.round(x);
                int sw = (int) Math.round(x + w) - sx;
                Color c = colors.get(s.getKey());
                g.setColor(c);
                g.fillRect(sx, by, sw, barH);
                g.setColor(Color.WHITE);
                g.drawLine(sx + sw - 1, by, sx + sw - 1, by + barH - 1);
                if (s.getKey().equals(bound)) {
                    outline = new Rectangle(sx, by, sw - 1, barH - 1);
                }
                g.setFont(SMALL);
                g.setColor(luminance(c) < 0.55 ? Color.WHITE : Color.BLACK);
                String seconds = String.format(Locale.ROOT, "%.1f s", s.getValue());
                String named = shortName(s.getKey()) + " " + seconds;
                String text =
                        g.getFontMetrics().stringWidth(named) <= sw - 8
                                ? named
                                : g.getFontMetrics().stringWidth(seconds) <= sw - 6
                                        ? seconds
                                        : null;
                if (text != null) {
                    g.drawString(text, sx + 4, by + barH / 2 + 4);
                }
                x += w;
            }
            if (outline != null) {
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(2.5f));
                g.draw(outline);
                g.setStroke(new BasicStroke(1));
            }
            g.setColor(Color.BLACK);
            g.setFont(BOLD);
            g.drawString(
                    fit(g, phaseName(phase.getKey(), mainBackend), labelW - 10), r.x + 20, by + 10);
            g.setFont(SMALL);
            g.setColor(MUTED);
            Double wall = walls.get(phase.getKey());
            g.drawString(
                    String.format(Locale.ROOT, "%.1f CPU s", total)
                            + (wall == null
                                    ? ""
                                    : String.format(Locale.ROOT, " in %.1f s wall", wall)),
                    r.x + 20,
                    by + barH - 1);
        }
        int ly = top + rowH * tops.size() + 36;
        int colW = (r.width - 40) / 3;
        int k = 0;
        for (Map.Entry<String, Color> c : colors.entrySet()) {
            int lx = r.x + 20 + (k % 3) * colW;
            int y = ly + (k / 3) * 18;
            g.setColor(c.getValue());
            g.fillRect(lx, y - 10, 12, 12);
            g.setColor(Color.BLACK);
            g.setFont(SMALL);
            g.drawString(shortName(c.getKey()), lx + 18, y);
            k++;
        }
    }

    /**
     * The phase's largest stages by CPU seconds, at most {@code n}, largest first, then {@value
     * #OTHER} with the rest ("other threads" among them); {@code wall_seconds} is not a stage.
     */
    static Map<String, Double> topStages(Map<String, Object> stages, int n) {
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        double rest = 0;
        for (Map.Entry<String, Object> e : stages.entrySet()) {
            if (e.getKey().equals("wall_seconds") || !(e.getValue() instanceof Number v)) {
                continue;
            }
            if (e.getKey().equals("other threads") || e.getKey().equals(OTHER)) {
                rest += v.doubleValue();
            } else {
                all.add(Map.entry(e.getKey(), v.doubleValue()));
            }
        }
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        Map<String, Double> top = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : all) {
            if (top.size() < n) {
                top.put(e.getKey(), e.getValue());
            } else {
                rest += e.getValue();
            }
        }
        if (rest > 0) {
            top.put(OTHER, rest);
        }
        return top;
    }

    /** As {@link BenchReport#boundingStage}: the largest stage, the unattributed ones aside. */
    private static String boundingStage(Map<String, Double> stages) {
        String top = null;
        for (Map.Entry<String, Double> e : stages.entrySet()) {
            boolean unattributed = e.getKey().startsWith("JVM other") || e.getKey().equals(OTHER);
            if (!unattributed && (top == null || e.getValue() > stages.get(top))) {
                top = e.getKey();
            }
        }
        return top;
    }

    /** Freshness percentiles of analytics.events and of the rollups, with their targets. */
    private static void freshness(
            Graphics2D g, Rectangle r, Map<String, Object> f, Map<String, Object> targets) {
        Double interval = number(f, "checkpoint_interval_ms");
        Double rate = number(f, "rate_written_per_s");
        Double seconds = number(f, "seconds");
        String sub = "delay from a Postgres commit until the batch is visible in ClickHouse";
        if (rate != null && seconds != null) {
            sub += String.format(Locale.ROOT, "; %,.0f events/s for %.0f s", rate, seconds);
        }
        if (interval != null) {
            sub += String.format(Locale.ROOT, ", checkpoint every %.0f ms", interval);
            if (interval != BenchReport.EXAMPLE_CHECKPOINT_MS) {
                sub +=
                        " (the targets are set at the example configuration's "
                                + BenchReport.EXAMPLE_CHECKPOINT_MS
                                + " ms)";
            }
        }
        frame(g, r, "Freshness: commit to visible", sub);
        record Group(String name, String[] keys, String[] labels, Color[] colors, Double target) {}
        List<Group> groups =
                List.of(
                        new Group(
                                "analytics.events",
                                new String[] {"p50_ms", "p95_ms", "p99_ms"},
                                new String[] {"p50", "p95", "p99"},
                                new Color[] {
                                    new Color(158, 202, 225),
                                    new Color(66, 146, 198),
                                    new Color(8, 81, 156)
                                },
                                under(targets, "freshness_p99_under_")),
                        new Group(
                                "rollups (events_per_minute)",
                                new String[] {"rollup_p50_ms", "rollup_p95_ms", "rollup_p99_ms"},
                                new String[] {"p50", "p95", "p99"},
                                new Color[] {
                                    new Color(253, 174, 107),
                                    new Color(241, 105, 19),
                                    new Color(166, 54, 3)
                                },
                                under(targets, "rollup_freshness_p99_under_")),
                        new Group(
                                "checkpoint duration (bounds the rollups)",
                                new String[] {
                                    "checkpoint_duration_p50_ms", "checkpoint_duration_max_ms"
                                },
                                new String[] {"p50", "max"},
                                new Color[] {new Color(161, 217, 155), new Color(49, 163, 84)},
                                null));
        double max = 0;
        int bars = 0;
        int present = 0;
        for (Group gr : groups) {
            int n = 0;
            for (String k : gr.keys()) {
                Double v = number(f, k);
                if (v != null) {
                    max = Math.max(max, v);
                    n++;
                }
            }
            if (n > 0) {
                bars += n;
                present++;
                if (gr.target() != null) {
                    max = Math.max(max, gr.target());
                }
            }
        }
        if (bars == 0) {
            notMeasured(g, r);
            return;
        }
        double step = niceStep(Math.max(max, 1) / 5);
        max = Math.ceil(max * 1.12 / step) * step;
        int x0 = r.x + 80;
        int plotW = r.width - 80 - 40;
        int top = r.y + 62;
        int plotH = r.height - 62 - 52;
        double unit = plotW / (bars * 1.25 + (present - 1) * 2 + 1.5);
        int barW = (int) Math.min(90, unit);
        int gap = (int) (barW * 0.25);
        int groupGap = barW * 2;
        int used = bars * (barW + gap) - gap + (present - 1) * groupGap;
        // The y axis: ms, or s from a step of a second.
        for (double v = 0; v <= max + 1e-9; v += step) {
            int py = top + plotH - (int) Math.round(plotH * v / max);
            g.setColor(GRID);
            g.drawLine(x0, py, x0 + plotW, py);
            g.setColor(MUTED);
            g.setFont(SMALL);
            String t = msTick(v, step);
            g.drawString(t, x0 - 8 - g.getFontMetrics().stringWidth(t), py + 4);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawLine(x0, top + plotH, x0 + plotW, top + plotH);
        int x = x0 + (plotW - used) / 2;
        // The values are drawn last, over the target lines.
        List<Object[]> values = new ArrayList<>();
        for (Group gr : groups) {
            int gx = x;
            int n = 0;
            for (int i = 0; i < gr.keys().length; i++) {
                Double v = number(f, gr.keys()[i]);
                if (v == null) {
                    continue;
                }
                int h = (int) Math.round(plotH * v / max);
                g.setColor(gr.colors()[i]);
                g.fillRect(x, top + plotH - h, barW, h);
                g.setFont(BOLD);
                g.setColor(Color.BLACK);
                String value = String.format(Locale.ROOT, "%,.0f ms", v);
                FontMetrics fm = g.getFontMetrics();
                int vx = x + (barW - fm.stringWidth(value)) / 2;
                values.add(new Object[] {value, vx, top + plotH - h - 5});
                g.setFont(PLAIN);
                fm = g.getFontMetrics();
                g.drawString(
                        gr.labels()[i],
                        x + (barW - fm.stringWidth(gr.labels()[i])) / 2,
                        top + plotH + 16);
                x += barW + gap;
                n++;
            }
            if (n == 0) {
                continue;
            }
            int gw = x - gap - gx;
            g.setFont(BOLD);
            FontMetrics fm = g.getFontMetrics();
            g.setColor(Color.BLACK);
            g.drawString(gr.name(), gx + (gw - fm.stringWidth(gr.name())) / 2, top + plotH + 36);
            if (gr.target() != null) {
                int ty = top + plotH - (int) Math.round(plotH * gr.target() / max);
                dashed(g, TARGET);
                g.drawLine(gx - 12, ty, gx + gw + 12, ty);
                g.setStroke(new BasicStroke(1));
                g.setFont(SMALL);
                String t = "target: p99 < " + msTick(gr.target(), 1000);
                g.drawString(t, gx + gw + 16, ty + 4);
            }
            x += groupGap - gap;
        }
        g.setFont(BOLD);
        FontMetrics fm = g.getFontMetrics();
        for (Object[] v : values) {
            String text = (String) v[0];
            int vx = (Integer) v[1];
            int vy = (Integer) v[2];
            g.setColor(Color.WHITE);
            g.fillRect(vx - 3, vy - fm.getAscent(), fm.stringWidth(text) + 6, fm.getAscent() + 3);
            g.setColor(Color.BLACK);
            g.drawString(text, vx, vy);
        }
    }

    // ---- helpers ----

    private static void frame(Graphics2D g, Rectangle r, String title, String subtitle) {
        g.setColor(new Color(200, 200, 200));
        g.drawLine(r.x, r.y + r.height - 1, r.x + r.width, r.y + r.height - 1);
        if (r.x > 0) {
            g.drawLine(r.x, r.y + 8, r.x, r.y + r.height - 8);
        }
        g.setColor(Color.BLACK);
        g.setFont(HEADING);
        g.drawString(fit(g, title, r.width - 40), r.x + 20, r.y + 26);
        g.setFont(SMALL);
        g.setColor(MUTED);
        g.drawString(fit(g, subtitle, r.width - 40), r.x + 20, r.y + 44);
    }

    private static void notMeasured(Graphics2D g, Rectangle r) {
        g.setFont(PLAIN);
        g.setColor(MUTED);
        g.drawString("not measured in this run", r.x + 20, r.y + 80);
    }

    private static void grid(
            Graphics2D g,
            int x0,
            int top,
            int plotW,
            int plotH,
            double max,
            double step,
            java.util.function.DoubleFunction<String> label) {
        g.setFont(SMALL);
        for (double v = 0; v <= max + 1e-9; v += step) {
            int px = x0 + (int) Math.round(plotW * v / max);
            g.setColor(GRID);
            g.drawLine(px, top, px, top + plotH);
            g.setColor(MUTED);
            String t = label.apply(v);
            int w = g.getFontMetrics().stringWidth(t);
            g.drawString(t, Math.min(px - w / 2, x0 + plotW - w / 2), top + plotH + 15);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawLine(x0, top, x0, top + plotH);
    }

    private static void dashed(Graphics2D g, Color c) {
        g.setColor(c);
        Stroke s =
                new BasicStroke(
                        2f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10,
                        new float[] {5, 4},
                        0);
        g.setStroke(s);
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        if (raw <= 0) {
            return 1;
        }
        double exp = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / exp;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * exp;
    }

    private static String rateTick(double v) {
        if (v == 0) {
            return "0";
        }
        if (v >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        return v >= 1e3 ? trim(v / 1e3) + "k" : trim(v);
    }

    private static String msTick(double v, double step) {
        return step >= 500 ? trim(v / 1000) + " s" : trim(v) + " ms";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The text, cut with "..." to fit in {@code width} pixels in the current font. */
    private static String fit(Graphics2D g, String text, int width) {
        FontMetrics fm = g.getFontMetrics();
        if (fm.stringWidth(text) <= width) {
            return text;
        }
        String t = text;
        while (!t.isEmpty() && fm.stringWidth(t + "...") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t.stripTrailing() + "...";
    }

    static String shortName(String stage) {
        return stage.length() <= STAGE_NAME_CHARS
                ? stage
                : stage.substring(0, STAGE_NAME_CHARS - 3).stripTrailing() + "...";
    }

    private static String phaseName(String phase, String mainBackend) {
        String name = phase.replace('_', ' ');
        if (phase.endsWith("_rocksdb")) {
            return name.substring(0, name.length() - "rocksdb".length()) + "(RocksDB)";
        }
        if (phase.endsWith("_hashmap")) {
            return name.substring(0, name.length() - "hashmap".length()) + "(heap)";
        }
        return phase.endsWith("_analytics") ? name + " (" + backendName(mainBackend) + ")" : name;
    }

    private static String mainBackend(Map<String, Object> all) {
        Object b = map(all.get("settings")).get("state_backend");
        return b == null ? "hashmap" : b.toString().toLowerCase(Locale.ROOT);
    }

    private static String backendName(String backend) {
        return backend == null
                ? "other backend"
                : switch (backend.toLowerCase(Locale.ROOT)) {
                    case "hashmap" -> "heap";
                    case "rocksdb" -> "RocksDB";
                    default -> backend;
                };
    }

    private static final Pattern AT_LEAST = Pattern.compile("_at_least_([0-9.]+)_of_");
    private static final Pattern UNDER = Pattern.compile("under_([0-9]+)_ms$");
    private static final Pattern WITHIN = Pattern.compile("within_([0-9.]+)x_of_");

    /** The goal of a ratio target, read from its name in {@code targets}, or null. */
    private static Double atLeast(Map<String, Object> targets, String figure) {
        for (String k : targets.keySet()) {
            Matcher m = AT_LEAST.matcher(k);
            if (k.startsWith(figure + "_at_least_") && m.find()) {
                return Double.parseDouble(m.group(1));
            }
        }
        return null;
    }

    private static Double under(Map<String, Object> targets, String prefix) {
        for (String k : targets.keySet()) {
            Matcher m = UNDER.matcher(k);
            if (k.startsWith(prefix) && m.find()) {
                return Double.parseDouble(m.group(1));
            }
        }
        return null;
    }

    private static Double within(Map<String, Object> targets) {
        for (String k : targets.keySet()) {
            Matcher m = WITHIN.matcher(k);
            if (k.startsWith("rocksdb_within_") && m.find()) {
                return Double.parseDouble(m.group(1));
            }
        }
        return null;
    }

    private static String goalText(double goal) {
        return "target: " + trim(goal) + " of the ceiling";
    }

    private static double luminance(Color c) {
        return (0.299 * c.getRed() + 0.587 * c.getGreen() + 0.114 * c.getBlue()) / 255;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static Double number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : null;
    }
}
