package io.sluice.jobs.serve;

import static io.sluice.jobs.serve.Markup.escape;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Renders panel results as one self-contained HTML page: the dashboard {@code ./sluice demo} leaves
 * behind, built from the same panel SQL as the Grafana dashboards, for a reader without Grafana.
 *
 * <p>The page stands alone so it can be mailed, archived or opened from disk: no script, no
 * external style sheet, font or image; charts are inline SVG drawn by {@link SvgCharts}. A
 * Content-Security-Policy of {@code default-src 'none'} (styles inline only) makes the browser
 * refuse any script or fetch that slipped in anyway. Every text from data is escaped by {@link
 * Markup#escape}: panel data hold users' event names, which can be hostile. The page is well-formed
 * XML as well as HTML, and so is each of its {@code <svg>} elements.
 *
 * <p>Each panel is a {@code <section class="panel">} with a 2px border of {@link #PANEL_BORDER}, a
 * colour used nowhere else, so a screenshot test can find the panels' boxes.
 */
public final class HtmlDashboard {
    /** At most this many rows of a {@link PanelData.Kind#TABLE} panel are shown. */
    public static final int MAX_TABLE_ROWS = 100;

    /** The border colour of every panel box, and of nothing else on the page. */
    public static final String PANEL_BORDER = "#a1b2c3";

    /** The text of a panel without data. */
    public static final String NO_DATA = "No data";

    /** A titled group of panels, like a row of a Grafana dashboard. */
    public record Section(String title, List<PanelData> panels) {
        public Section {
            title = Objects.requireNonNullElse(title, "");
            panels = List.copyOf(Objects.requireNonNull(panels, "panels"));
        }
    }

    private static final String STYLE =
            "body{margin:16px;background:#ffffff;color:#222222;font:13px/1.4 system-ui,-apple-system,'Segoe UI',"
                    + "Roboto,'DejaVu Sans',Arial,sans-serif}"
                    + "h1{font-size:22px;margin:0 0 2px}h2{font-size:17px;margin:22px 0 8px}"
                    + ".note{color:#666666;margin:0}"
                    + ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(580px,1fr));gap:16px;"
                    + "align-items:start}"
                    + ".panel{border:2px solid "
                    + PANEL_BORDER
                    + ";background:#ffffff;padding:8px 10px;"
                    + "overflow:auto;min-width:0}"
                    + ".panel h3{font-size:14px;margin:0 0 6px;overflow-wrap:anywhere}"
                    + ".empty{color:#666666;padding:40px 0;text-align:center}"
                    + ".stat{font-size:44px;font-weight:600;color:#3274d9;padding:18px 0;overflow-wrap:anywhere}"
                    + ".stat-label{color:#666666}"
                    + "table{border-collapse:collapse;width:100%}"
                    + "th,td{border-bottom:1px solid #e4e4e4;padding:3px 6px;text-align:left;vertical-align:top;"
                    + "overflow-wrap:anywhere}"
                    + "th{background:#f4f5f7}td.num{text-align:right;font-variant-numeric:tabular-nums}"
                    + ".more{color:#666666;margin:4px 0 0}"
                    + "svg text{font-size:11px;fill:#444444}"
                    + "svg line.grid{stroke:#e8e8e8}svg line.axis{stroke:#888888}svg line.zero{stroke:#555555}";

    private HtmlDashboard() {}

    /**
     * The page.
     *
     * @param title the page's heading and window title
     * @param generatedNote a line under the heading, e.g. when and from what it was generated
     * @param sections the sections in page order
     */
    public static String render(String title, String generatedNote, List<Section> sections) {
        StringBuilder html = new StringBuilder(64 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/>")
                .append(
                        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ")
                .append("style-src 'unsafe-inline'\"/>")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
                .append("<title>")
                .append(escape(title))
                .append("</title><style>")
                .append(STYLE)
                .append("</style></head>\n<body><header><h1>")
                .append(escape(title))
                .append("</h1><p class=\"note\">")
                .append(escape(generatedNote))
                .append("</p></header>\n");
        for (Section section : Objects.requireNonNull(sections, "sections")) {
            html.append("<h2>")
                    .append(escape(section.title()))
                    .append("</h2>\n<div class=\"grid\">\n");
            for (PanelData panel : section.panels()) {
                panel(html, panel);
            }
            html.append("</div>\n");
        }
        return html.append("</body></html>\n").toString();
    }

    /** Writes {@link #render the page} to {@code file} as UTF-8. */
    public static void write(Path file, String title, String generatedNote, List<Section> sections)
            throws IOException {
        Files.writeString(file, render(title, generatedNote, sections), StandardCharsets.UTF_8);
    }

    private static void panel(StringBuilder html, PanelData panel) {
        html.append("<section class=\"panel kind-")
                .append(panel.kind().name().toLowerCase(java.util.Locale.ROOT))
                .append("\"><h3>")
                .append(escape(panel.title()))
                .append("</h3>");
        String body =
                switch (panel.kind()) {
                    case TIMESERIES -> SvgCharts.timeSeries(panel);
                    case BAR -> SvgCharts.bars(panel);
                    case TABLE -> table(panel);
                    case STAT -> stat(panel);
                };
        html.append(body == null ? "<p class=\"empty\">" + NO_DATA + "</p>" : body)
                .append("</section>\n");
    }

    private static String table(PanelData panel) {
        if (panel.rows().isEmpty()) {
            return null;
        }
        StringBuilder html = new StringBuilder("<table><thead><tr>");
        int width = panel.width();
        for (int c = 0; c < width; c++) {
            html.append("<th>").append(escape(panel.column(c))).append("</th>");
        }
        html.append("</tr></thead><tbody>");
        int shown = Math.min(MAX_TABLE_ROWS, panel.rows().size());
        for (int r = 0; r < shown; r++) {
            html.append("<tr>");
            for (int c = 0; c < width; c++) {
                Object cell = panel.cell(r, c);
                html.append(cell instanceof Number ? "<td class=\"num\">" : "<td>")
                        .append(escape(Markup.cell(cell)))
                        .append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</tbody></table>");
        if (panel.rows().size() > shown) {
            html.append("<p class=\"more\">")
                    .append(panel.rows().size() - shown)
                    .append(" more rows not shown</p>");
        }
        return html.toString();
    }

    private static String stat(PanelData panel) {
        if (panel.rows().isEmpty()) {
            return null;
        }
        for (int c = 0; c < panel.width(); c++) {
            Object cell = panel.cell(0, c);
            Double value = ChartScale.number(cell);
            if (value != null) {
                String text = Markup.number(cell instanceof Number n ? n : value);
                return "<div class=\"stat\">"
                        + escape(text)
                        + "</div><div class=\"stat-label\">"
                        + escape(panel.column(c))
                        + "</div>";
            }
        }
        return null;
    }
}
