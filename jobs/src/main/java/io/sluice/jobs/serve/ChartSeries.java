package io.sluice.jobs.serve;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A named series of (x, y) points of a chart, sorted by x; y is NaN where the value is missing,
 * null or not a number, so a line breaks there.
 */
record ChartSeries(String name, List<double[]> points) {

    /**
     * The series of a {@link PanelData.Kind#TIMESERIES} panel, x in epoch milliseconds, in the
     * order they first appear. Rows without a time are left out. The "long" form (time, series
     * name, value) is recognised by a text in column 1 that is not a number; otherwise every column
     * from 1 on with a number in it is a series named by its column.
     */
    static List<ChartSeries> of(PanelData panel) {
        int width = panel.width();
        boolean longForm = false;
        for (int r = 0; r < panel.rows().size() && width >= 3; r++) {
            Object name = panel.cell(r, 1);
            longForm |=
                    name != null && !(name instanceof Number) && ChartScale.number(name) == null;
        }
        Map<String, ChartSeries> series = new LinkedHashMap<>();
        if (!longForm) {
            for (int c = 1; c < width; c++) {
                for (int r = 0; r < panel.rows().size(); r++) {
                    Object cell = panel.cell(r, c);
                    if (cell instanceof Number || ChartScale.number(cell) != null) {
                        series.put("#" + c, new ChartSeries(panel.column(c), new ArrayList<>()));
                        break;
                    }
                }
            }
        }
        for (int r = 0; r < panel.rows().size(); r++) {
            Long x = ChartScale.epochMillis(panel.cell(r, 0));
            if (x == null) {
                continue;
            }
            if (longForm) {
                Object cell = panel.cell(r, 1);
                String name =
                        cell == null || cell.toString().isEmpty() ? "(empty)" : cell.toString();
                series.computeIfAbsent("=" + name, k -> new ChartSeries(name, new ArrayList<>()))
                        .points()
                        .add(point(x, panel.cell(r, 2)));
            } else {
                for (Map.Entry<String, ChartSeries> e : series.entrySet()) {
                    e.getValue()
                            .points()
                            .add(
                                    point(
                                            x,
                                            panel.cell(
                                                    r, Integer.parseInt(e.getKey().substring(1)))));
                }
            }
        }
        for (ChartSeries s : series.values()) {
            s.points().sort((a, b) -> Double.compare(a[0], b[0]));
        }
        return new ArrayList<>(series.values());
    }

    private static double[] point(long x, Object cell) {
        Double y = ChartScale.number(cell);
        return new double[] {x, y == null ? Double.NaN : y};
    }
}
