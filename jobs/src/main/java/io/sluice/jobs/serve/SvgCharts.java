package io.sluice.jobs.serve;

import static io.sluice.jobs.serve.Markup.escape;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link PanelData.Kind#TIMESERIES} or {@link PanelData.Kind#BAR} panel as an inline SVG
 * element: value axis with ticks at round numbers, time or category axis, one {@code <path
 * class="series">} per series (with a {@code <circle class="point">} for a point without
 * neighbours, so a single point shows) or one {@code <rect class="bar">} per value, and a legend
 * when there is more than one series. Null, NaN and infinite values are left out (a line breaks
 * there). The SVG is well-formed XML with every data text escaped; it needs no script or font.
 */
final class SvgCharts {
    static final int WIDTH = 560;
    static final int MAX_SERIES = 12;
    static final int MAX_CATEGORIES = 60;
    static final String[] COLORS = {
        "#3274d9", "#e0752d", "#56a64b", "#c4162a", "#8f3bb8", "#f2cc0c", "#1f9e9e", "#d6419d",
        "#7c5a2e", "#5a6b2a", "#2f4fa8", "#a85a2f"
    };
    private static final int LEFT = 64;
    private static final int RIGHT = 40;
    private static final int TOP = 18;
    private static final int PLOT_HEIGHT = 200;
    private static final int AXIS_HEIGHT = 24;
    private static final int LEGEND_ROW = 18;
    private static final int LEGEND_ITEM = 150;

    private SvgCharts() {}

    /** The time series as SVG, or null when it has no point with a time and a value. */
    static String timeSeries(PanelData panel) {
        List<ChartSeries> all = ChartSeries.of(panel);
        long minX = Long.MAX_VALUE;
        long maxX = Long.MIN_VALUE;
        double minY = Double.POSITIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        List<ChartSeries> drawn = all.subList(0, Math.min(MAX_SERIES, all.size()));
        for (ChartSeries s : drawn) {
            for (double[] p : s.points()) {
                if (!Double.isNaN(p[1])) {
                    minX = Math.min(minX, (long) p[0]);
                    maxX = Math.max(maxX, (long) p[0]);
                    minY = Math.min(minY, p[1]);
                    maxY = Math.max(maxY, p[1]);
                }
            }
        }
        if (minX > maxX) {
            return null;
        }
        ChartScale.Range xs = ChartScale.times(minX, maxX, 6);
        ChartScale.Range ys = ChartScale.values(minY, maxY, 5);
        StringBuilder svg = open(drawn.size(), all.size());
        valueAxis(svg, ys);
        double plotWidth = WIDTH - LEFT - RIGHT;
        for (double t : xs.ticks()) {
            double x = LEFT + xs.fraction(t) * plotWidth;
            svg.append(line(x, TOP + PLOT_HEIGHT, x, TOP + PLOT_HEIGHT + 4, "axis"));
            svg.append(label(x, TOP + PLOT_HEIGHT + 17, "middle", ChartScale.timeLabel(t, xs)));
        }
        for (int i = 0; i < drawn.size(); i++) {
            String color = COLORS[i % COLORS.length];
            StringBuilder d = new StringBuilder();
            StringBuilder dots = new StringBuilder();
            List<double[]> points = drawn.get(i).points();
            for (int j = 0; j < points.size(); j++) {
                double[] p = points.get(j);
                if (Double.isNaN(p[1])) {
                    continue;
                }
                double x = LEFT + xs.fraction(p[0]) * plotWidth;
                double y = TOP + PLOT_HEIGHT * (1 - ys.fraction(p[1]));
                boolean joined = j > 0 && !Double.isNaN(points.get(j - 1)[1]);
                d.append(joined ? " L" : (d.length() > 0 ? " M" : "M"))
                        .append(n(x))
                        .append(' ')
                        .append(n(y));
                boolean alone =
                        !joined && (j + 1 == points.size() || Double.isNaN(points.get(j + 1)[1]));
                if (alone) {
                    dots.append(
                            String.format(
                                    Locale.ROOT,
                                    "<circle class=\"point\" cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\"/>",
                                    n(x),
                                    n(y),
                                    color));
                }
            }
            svg.append("<path class=\"series\" fill=\"none\" stroke-width=\"1.5\" stroke=\"")
                    .append(color)
                    .append("\" d=\"")
                    .append(d)
                    .append("\"><title>")
                    .append(escape(drawn.get(i).name()))
                    .append("</title></path>")
                    .append(dots);
        }
        legend(svg, drawn, all.size());
        return svg.append("</svg>").toString();
    }

    /** The bar chart as SVG, or null when no category has a value. */
    static String bars(PanelData panel) {
        int rows = Math.min(MAX_CATEGORIES, panel.rows().size());
        List<Integer> columns = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 1; c < panel.width(); c++) {
            boolean numeric = false;
            for (int r = 0; r < rows; r++) {
                Double v = ChartScale.number(panel.cell(r, c));
                if (v != null) {
                    numeric = true;
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            if (numeric && columns.size() < MAX_SERIES) {
                columns.add(c);
            }
        }
        if (columns.isEmpty()) {
            return null;
        }
        ChartScale.Range ys = ChartScale.values(min, max, 5);
        List<ChartSeries> legend = new ArrayList<>();
        for (int c : columns) {
            legend.add(new ChartSeries(panel.column(c), List.of()));
        }
        StringBuilder svg = open(columns.size(), columns.size());
        valueAxis(svg, ys);
        double slot = (WIDTH - LEFT - RIGHT) / (double) rows;
        double barWidth = slot * 0.8 / columns.size();
        double zero = TOP + PLOT_HEIGHT * (1 - ys.fraction(0));
        int labelEvery = (int) Math.ceil(40 / slot);
        int maxChars = (int) Math.max(3, slot * labelEvery / 6.5);
        if (panel.rows().size() > rows) {
            svg.append(
                    label(
                            WIDTH - RIGHT,
                            TOP - 2,
                            "end",
                            "first " + rows + " of " + panel.rows().size() + " categories"));
        }
        for (int r = 0; r < rows; r++) {
            String category = Markup.cell(panel.cell(r, 0));
            for (int i = 0; i < columns.size(); i++) {
                Object cell = panel.cell(r, columns.get(i));
                Double v = ChartScale.number(cell);
                if (v == null) {
                    continue;
                }
                double height = Math.abs(ys.fraction(v) - ys.fraction(0)) * PLOT_HEIGHT;
                svg.append(
                        String.format(
                                Locale.ROOT,
                                "<rect class=\"bar\" x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"><title>%s: %s</title></rect>",
                                n(LEFT + slot * (r + 0.1) + barWidth * i),
                                n(v >= 0 ? zero - height : zero),
                                n(barWidth),
                                n(height),
                                COLORS[i % COLORS.length],
                                escape(category),
                                escape(Markup.cell(cell))));
            }
            if (r % labelEvery == 0) {
                String shown =
                        category.length() > maxChars
                                ? category.substring(0, maxChars - 1) + "…"
                                : category;
                svg.append(label(LEFT + slot * (r + 0.5), TOP + PLOT_HEIGHT + 17, "middle", shown));
            }
        }
        if (columns.size() > 1) {
            legend(svg, legend, legend.size());
        }
        return svg.append("</svg>").toString();
    }

    private static StringBuilder open(int series, int all) {
        int legendRows = series > 1 || all > series ? legendRows(series, all) : 0;
        int height = TOP + PLOT_HEIGHT + AXIS_HEIGHT + legendRows * LEGEND_ROW + 4;
        return new StringBuilder(
                String.format(
                        Locale.ROOT,
                        "<svg class=\"chart\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\">",
                        WIDTH,
                        height,
                        WIDTH,
                        height));
    }

    private static void valueAxis(StringBuilder svg, ChartScale.Range ys) {
        for (double tick : ys.ticks()) {
            double y = TOP + PLOT_HEIGHT * (1 - ys.fraction(tick));
            svg.append(line(LEFT, y, WIDTH - RIGHT, y, tick == 0 ? "zero" : "grid"));
            svg.append(label(LEFT - 6, y + 4, "end", Markup.tick(tick, ys.step())));
        }
        svg.append(line(LEFT, TOP, LEFT, TOP + PLOT_HEIGHT, "axis"));
        svg.append(line(LEFT, TOP + PLOT_HEIGHT, WIDTH - RIGHT, TOP + PLOT_HEIGHT, "axis"));
    }

    private static int legendRows(int series, int all) {
        int perRow = (WIDTH - LEFT) / LEGEND_ITEM;
        return (series + (all > series ? 1 : 0) + perRow - 1) / perRow;
    }

    private static void legend(StringBuilder svg, List<ChartSeries> drawn, int all) {
        if (drawn.size() < 2 && all == drawn.size()) {
            return;
        }
        int perRow = (WIDTH - LEFT) / LEGEND_ITEM;
        int top = TOP + PLOT_HEIGHT + AXIS_HEIGHT;
        for (int i = 0; i <= drawn.size(); i++) {
            double x = LEFT + (i % perRow) * LEGEND_ITEM;
            double y = top + (i / perRow) * LEGEND_ROW;
            if (i == drawn.size()) {
                if (all > drawn.size()) {
                    svg.append(
                            label(
                                    x,
                                    y + 10,
                                    "start",
                                    "+" + (all - drawn.size()) + " more series not drawn"));
                }
                break;
            }
            String name = drawn.get(i).name();
            String shown = name.length() > 20 ? name.substring(0, 19) + "…" : name;
            svg.append(
                    String.format(
                            Locale.ROOT,
                            "<g class=\"legend\"><title>%s</title><rect x=\"%s\" y=\"%s\" width=\"10\" height=\"10\" fill=\"%s\"/>",
                            escape(name),
                            n(x),
                            n(y + 1),
                            COLORS[i % COLORS.length]));
            svg.append(label(x + 14, y + 10, "start", shown)).append("</g>");
        }
    }

    private static String line(double x1, double y1, double x2, double y2, String cssClass) {
        return String.format(
                Locale.ROOT,
                "<line class=\"%s\" x1=\"%s\" y1=\"%s\" x2=\"%s\" y2=\"%s\"/>",
                cssClass,
                n(x1),
                n(y1),
                n(x2),
                n(y2));
    }

    private static String label(double x, double y, String anchor, String text) {
        return String.format(
                Locale.ROOT,
                "<text x=\"%s\" y=\"%s\" text-anchor=\"%s\">%s</text>",
                n(x),
                n(y),
                anchor,
                escape(text));
    }

    /** A coordinate with two decimals. */
    private static String n(double value) {
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
