package io.sluice.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The benchmark's outputs: a console table, a JSON file and a PNG chart of freshness ({@link
 * PhaseCharts} draws the other, per phase).
 */
final class Report {
    private Report() {}

    /** Minimal JSON for nested maps, lists, strings, numbers and booleans. */
    static String json(Object v, String indent) {
        if (v == null) {
            return "null";
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(indent)
                        .append("  \"")
                        .append(e.getKey())
                        .append("\": ")
                        .append(json(e.getValue(), indent + "  "))
                        .append(++i < m.size() ? ",\n" : "\n");
            }
            return sb.append(indent).append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(json(l.get(i), indent + "  "));
            }
            return sb.append(']').toString();
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return '"'
                + v.toString().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
                + '"';
    }

    static void writeJson(Path file, Map<String, Object> figures) throws IOException {
        Files.writeString(file, json(figures, "") + "\n");
    }

    /** Delay of each freshness batch over time, with the p50 and p99 lines. */
    static void writeChart(
            Path file, List<Freshness.Sample> samples, long p50, long p99, String subtitle)
            throws IOException {
        int w = 1000;
        int h = 520;
        int left = 80;
        int right = 30;
        int top = 60;
        int bottom = 60;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        double maxX = 1;
        long maxY = 1;
        for (Freshness.Sample s : samples) {
            maxX = Math.max(maxX, s.committedAtSeconds());
            maxY = Math.max(maxY, s.delayMs());
        }
        maxY = (long) (Math.ceil(maxY * 1.1 / 500.0) * 500);
        int plotW = w - left - right;
        int plotH = h - top - bottom;
        g.setColor(new Color(235, 235, 235));
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (long y = 0; y <= maxY; y += Math.max(250, maxY / 8 / 250 * 250)) {
            int py = top + plotH - (int) (plotH * y / (double) maxY);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(left, py, left + plotW, py);
            g.setColor(Color.DARK_GRAY);
            g.drawString(y + " ms", 10, py + 4);
        }
        for (int x = 0; x <= (int) maxX; x += Math.max(5, (int) maxX / 10 / 5 * 5)) {
            int px = left + (int) (plotW * x / maxX);
            g.setColor(Color.DARK_GRAY);
            g.drawString(x + " s", px - 8, top + plotH + 20);
        }
        g.setColor(Color.BLACK);
        g.drawRect(left, top, plotW, plotH);
        g.setColor(new Color(31, 119, 180));
        for (Freshness.Sample s : samples) {
            int px = left + (int) (plotW * s.committedAtSeconds() / maxX);
            int py = top + plotH - (int) (plotH * s.delayMs() / (double) maxY);
            g.fillOval(px - 2, py - 2, 5, 5);
        }
        g.setStroke(
                new BasicStroke(
                        1.5f,
                        BasicStroke.CAP_BUTT,
                        BasicStroke.JOIN_MITER,
                        10,
                        new float[] {6, 4},
                        0));
        line(g, "p50 " + p50 + " ms", p50, maxY, left, top, plotW, plotH, new Color(44, 160, 44));
        line(g, "p99 " + p99 + " ms", p99, maxY, left, top, plotW, plotH, new Color(214, 39, 40));
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(
                "Freshness: Postgres commit to visible in analytics.events (ClickHouse)", left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(subtitle, left, 45);
        g.drawString(
                "seconds since the load started (commit time of each batch)",
                left + plotW / 2 - 160,
                h - 15);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void line(
            Graphics2D g,
            String label,
            long y,
            long maxY,
            int left,
            int top,
            int plotW,
            int plotH,
            Color c) {
        int py = top + plotH - (int) (plotH * y / (double) maxY);
        g.setColor(c);
        g.drawLine(left, py, left + plotW, py);
        g.drawString(label, left + plotW - 110, py - 4);
    }

    /** One line of the console table. */
    static String row(String figure, String sluice, String ceiling, String ratio, String target) {
        return String.format(
                Locale.ROOT, "%-44s %16s %26s %7s  %s", figure, sluice, ceiling, ratio, target);
    }
}
