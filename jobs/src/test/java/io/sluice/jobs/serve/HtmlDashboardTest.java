package io.sluice.jobs.serve;

import static io.sluice.jobs.serve.DashboardXml.elements;
import static io.sluice.jobs.serve.DashboardXml.html;
import static io.sluice.jobs.serve.DashboardXml.parse;
import static io.sluice.jobs.serve.DashboardXml.svgs;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.serve.HtmlDashboard.Section;
import io.sluice.jobs.serve.PanelData.Kind;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The page read back with an XML parser (the whole page, and each {@code <svg>} on its own), not by
 * looking for the strings the renderer writes: hostile texts must come back as the same text and
 * add no element; the page must refer to nothing outside itself; empty panels, tables and stats.
 * The charts' geometry is {@link SvgChartsTest}'s.
 */
class HtmlDashboardTest {
    private static final LocalDateTime T0 = LocalDateTime.of(2026, 3, 1, 10, 0);
    private static final String HOSTILE =
            "<script>alert('x')</script>\"&amp;' ]]> <!-- <svg onload=alert(1)> Ünïcødé 日本 🎉";

    @Test
    void hostileTextsComeBackAsTheSameTextAndNoElementIsInjected() throws Exception {
        String nasty = HOSTILE + "\u0001\uD800";
        String shown = HOSTILE + "\uFFFD\uFFFD"; // the characters XML cannot hold are replaced
        List<List<Object>> longForm = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            longForm.add(Arrays.asList(T0.plusMinutes(i), nasty, i));
            longForm.add(Arrays.asList(T0.plusMinutes(i), "plain", 2 * i));
        }
        List<PanelData> panels =
                List.of(
                        new PanelData(
                                nasty, Kind.TIMESERIES, List.of("time", nasty, "n"), longForm),
                        new PanelData(
                                nasty,
                                Kind.BAR,
                                List.of("event", nasty),
                                List.of(List.of(nasty, 3), List.of("b", 4))),
                        new PanelData(
                                nasty,
                                Kind.TABLE,
                                List.of(nasty, "n"),
                                List.of(Arrays.asList(nasty, null))),
                        new PanelData(nasty, Kind.STAT, List.of(nasty), List.of(List.of(7))));
        String html = HtmlDashboard.render(nasty, nasty, List.of(new Section(nasty, panels)));

        Document doc = parse(html);
        assertThat(elements(doc, "script")).isEmpty();
        assertThat(elements(doc, "h1").get(0).getTextContent()).isEqualTo(shown);
        assertThat(elements(doc, "h2").get(0).getTextContent()).isEqualTo(shown);
        assertThat(elements(doc, "h3"))
                .hasSize(4)
                .allSatisfy(h -> assertThat(h.getTextContent()).isEqualTo(shown));
        assertThat(elements(doc, "td").get(0).getTextContent()).isEqualTo(shown);
        assertThat(elements(doc, "th").get(0).getTextContent()).isEqualTo(shown);
        // the series name of the long form is the full title of its line and of its legend entry
        List<String> titles = new ArrayList<>();
        for (Element svg : elements(doc, "svg")) {
            for (Element title : elements(svg, "title")) {
                titles.add(title.getTextContent());
            }
        }
        assertThat(titles).contains(shown, shown + ": 3");
        for (Element any : elements(doc, "*")) {
            for (int i = 0; i < any.getAttributes().getLength(); i++) {
                assertThat(any.getAttributes().item(i).getNodeName()).doesNotStartWith("on");
            }
        }
        assertThat(svgs(html)).hasSize(2);
    }

    @Test
    void theOutputHasNoExternalReference() throws Exception {
        String html =
                HtmlDashboard.render(
                        "Demo",
                        "generated now",
                        List.of(
                                new Section(
                                        "All",
                                        List.of(
                                                minutes("Events per minute", 30),
                                                new PanelData(
                                                        "Funnel",
                                                        Kind.BAR,
                                                        List.of("step", "users"),
                                                        List.of(
                                                                List.of("signup", 10),
                                                                List.of("pay", 4))),
                                                new PanelData(
                                                        "Top",
                                                        Kind.TABLE,
                                                        List.of("event", "n"),
                                                        List.of(List.of("view", 5))),
                                                new PanelData(
                                                        "Users",
                                                        Kind.STAT,
                                                        List.of("n"),
                                                        List.of(List.of(5)))))));
        assertThat(html)
                .doesNotContainIgnoringCase("http:")
                .doesNotContainIgnoringCase("https:")
                .doesNotContain("//")
                .doesNotContainIgnoringCase("src=")
                .doesNotContainIgnoringCase("href=")
                .doesNotContainIgnoringCase("url(")
                .doesNotContainIgnoringCase("@import")
                .doesNotContainIgnoringCase("<script")
                .doesNotContainIgnoringCase("<link");
        assertThat(svgs(html)).hasSize(2);
    }

    @Test
    void panelsWithoutRowsSayNoData() throws Exception {
        List<PanelData> panels = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            panels.add(new PanelData(kind.name(), kind, List.of("a", "b"), List.of()));
        }
        // rows whose values are all missing or not numbers count as no data too
        panels.add(
                new PanelData(
                        "nulls",
                        Kind.TIMESERIES,
                        List.of("t", "v"),
                        List.of(Arrays.asList(T0, null), Arrays.asList(null, 3))));
        panels.add(
                new PanelData(
                        "NaN",
                        Kind.BAR,
                        List.of("c", "v"),
                        List.of(List.of("a", Double.NaN), List.of("b", "x"))));
        panels.add(new PanelData("NaN", Kind.STAT, List.of("v"), List.of(List.of(Double.NaN))));
        Document doc = parse(HtmlDashboard.render("t", "n", List.of(new Section("s", panels))));
        List<Element> sections = elements(doc, "section");
        assertThat(sections).hasSize(7);
        for (Element section : sections) {
            assertThat(elements(section, "p"))
                    .singleElement()
                    .satisfies(
                            p -> assertThat(p.getTextContent()).isEqualTo(HtmlDashboard.NO_DATA));
        }
        assertThat(elements(doc, "svg")).isEmpty();
    }

    @Test
    void tablesAndStatsShowTheirCells() throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < HtmlDashboard.MAX_TABLE_ROWS + 5; i++) {
            rows.add(
                    Arrays.asList(
                            "e" + i,
                            i == 0 ? null : (Object) (1_000_000L * i),
                            i == 1 ? Double.NaN : 0.5 * i));
        }
        Document doc =
                parse(
                        html(
                                new PanelData(
                                        "t", Kind.TABLE, List.of("event", "n", "share"), rows),
                                new PanelData(
                                        "s",
                                        Kind.STAT,
                                        List.of("name", "users"),
                                        List.of(List.of("all", 9_223_372_036_854_775_807L)))));
        assertThat(elements(doc, "tr")).hasSize(HtmlDashboard.MAX_TABLE_ROWS + 1);
        List<Element> cells = elements(doc, "td");
        assertThat(cells.get(1).getTextContent()).isEmpty();
        assertThat(cells.get(4).getTextContent()).isEqualTo("1,000,000");
        assertThat(cells.get(5).getTextContent()).isEqualTo("NaN");
        assertThat(cells.get(8).getTextContent()).isEqualTo("1");
        assertThat(elements(doc, "p").get(1).getTextContent()).isEqualTo("5 more rows not shown");
        Element stat =
                elements(doc, "div").stream()
                        .filter(d -> "stat".equals(d.getAttribute("class")))
                        .findFirst()
                        .orElseThrow();
        assertThat(stat.getTextContent()).isEqualTo("9,223,372,036,854,775,807");
    }

    private static PanelData minutes(String title, int count) {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(List.of(T0.plusMinutes(i), i * i));
        }
        return new PanelData(title, Kind.TIMESERIES, List.of("minute", "events"), rows);
    }
}
