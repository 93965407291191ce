package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.jobs.serve.HtmlDashboard.Section;
import io.sluice.jobs.serve.PanelData.Kind;
import java.io.StringReader;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The page and its charts read back with an XML parser, not by looking for the strings the renderer
 * writes: hostile texts must come back as the same text, and bar heights and line coordinates are
 * checked against the values by arithmetic on the SVG attributes.
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
    void aSinglePointIsDrawnInsideThePlot() throws Exception {
        for (Object time :
                List.of(T0, LocalDate.of(2026, 3, 1), "2026-03-01 10:00:00", 1_772_359_200L)) {
            String svg =
                    svgs(html(
                                    new PanelData(
                                            "one",
                                            Kind.TIMESERIES,
                                            List.of("t", "v"),
                                            List.of(List.of(time, 42)))))
                            .get(0);
            Element circle = elements(parse(svg), "circle").get(0);
            double cx = attr(circle, "cx");
            double cy = attr(circle, "cy");
            assertThat(cx).as("x of %s", time).isBetween(0.0, (double) SvgCharts.WIDTH);
            assertThat(cy).isBetween(0.0, attr(parse(svg).getDocumentElement(), "height"));
            assertThat(svg).doesNotContain("NaN").doesNotContain("Infinity");
        }
    }

    @Test
    void allEqualValuesGiveAFlatLineAndEqualBars() throws Exception {
        for (double value : new double[] {0, 5, -5, 1e18}) {
            List<List<Object>> rows = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                rows.add(List.of(T0.plusMinutes(i), value));
            }
            String line =
                    svgs(html(new PanelData("flat", Kind.TIMESERIES, List.of("t", "v"), rows)))
                            .get(0);
            assertThat(line).doesNotContain("NaN").doesNotContain("Infinity");
            double[] ys =
                    pathPoints(elements(parse(line), "path").get(0)).stream()
                            .mapToDouble(p -> p[1])
                            .distinct()
                            .toArray();
            assertThat(ys).hasSize(1);

            String bars =
                    svgs(html(
                                    new PanelData(
                                            "bars",
                                            Kind.BAR,
                                            List.of("c", "v"),
                                            List.of(
                                                    List.of("a", value),
                                                    List.of("b", value),
                                                    List.of("c", value)))))
                            .get(0);
            List<Double> heights =
                    elements(parse(bars), "rect").stream()
                            .filter(r -> "bar".equals(r.getAttribute("class")))
                            .map(r -> attr(r, "height"))
                            .distinct()
                            .toList();
            assertThat(heights).as("bar heights of %s", value).hasSize(1);
            assertThat(heights.get(0)).isEqualTo(value == 0 ? 0 : heights.get(0)).isFinite();
        }
    }

    @Test
    void everySeriesGetsOneLineAndALegendEntry() throws Exception {
        List<List<Object>> wide = new ArrayList<>();
        List<List<Object>> longForm = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            wide.add(
                    Arrays.asList(
                            T0.plusHours(i), i, i % 3 == 0 ? null : -i, Double.NaN, 1e15 * i));
            for (String name : List.of("view", "click", "signup", "pay")) {
                longForm.add(List.of(T0.plusHours(i).toString(), name, i * name.length()));
            }
        }
        String wideSvg =
                svgs(html(
                                new PanelData(
                                        "wide",
                                        Kind.TIMESERIES,
                                        List.of("t", "a", "b", "c", "d"),
                                        wide)))
                        .get(0);
        // four numeric columns, one of them NaN throughout: it is a series without a line
        assertThat(elements(parse(wideSvg), "path")).hasSize(4);
        assertThat(legend(wideSvg)).containsExactly("a", "b", "c", "d");
        String longSvg =
                svgs(html(
                                new PanelData(
                                        "long",
                                        Kind.TIMESERIES,
                                        List.of("t", "event", "n"),
                                        longForm)))
                        .get(0);
        List<Element> paths = elements(parse(longSvg), "path");
        assertThat(paths).hasSize(4);
        assertThat(paths.stream().map(p -> p.getAttribute("stroke")).distinct()).hasSize(4);
        assertThat(pathPoints(paths.get(0))).hasSize(10);
        assertThat(legend(longSvg)).containsExactly("view", "click", "signup", "pay");
        // more series than colours and room: the first ones, and a note of the rest
        List<List<Object>> many = new ArrayList<>();
        for (int i = 0; i < SvgCharts.MAX_SERIES + 3; i++) {
            many.add(List.of(T0, "event " + i, i));
        }
        String manySvg =
                svgs(html(new PanelData("many", Kind.TIMESERIES, List.of("t", "e", "n"), many)))
                        .get(0);
        assertThat(elements(parse(manySvg), "path")).hasSize(SvgCharts.MAX_SERIES);
        assertThat(elements(parse(manySvg), "text").stream().map(Element::getTextContent))
                .contains("+3 more series not drawn");
        // one series: no legend
        String one =
                svgs(html(
                                new PanelData(
                                        "one",
                                        Kind.TIMESERIES,
                                        List.of("t", "n"),
                                        List.of(List.of(T0, 1), List.of(T0.plusDays(1), 2)))))
                        .get(0);
        assertThat(legend(one)).isEmpty();
    }

    @Test
    void aLineBreaksAtAMissingValueAndItsPointsFollowTheValues() throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        double[] values = {10, 20, Double.NaN, 40, 30};
        for (int i = 0; i < values.length; i++) {
            rows.add(List.of(T0.plusMinutes(i), values[i]));
        }
        Element path =
                elements(
                                parse(
                                        svgs(html(
                                                        new PanelData(
                                                                "gap",
                                                                Kind.TIMESERIES,
                                                                List.of("t", "v"),
                                                                rows)))
                                                .get(0)),
                                "path")
                        .get(0);
        assertThat(path.getAttribute("d").split("M")).hasSize(3); // "", first run, second run
        List<double[]> points = pathPoints(path);
        assertThat(points).hasSize(4);
        // equal steps in time are equal steps in x; y is linear in the value (10 -> 20 as 40 -> 30)
        assertThat(points.get(1)[0] - points.get(0)[0])
                .isCloseTo((points.get(3)[0] - points.get(2)[0]), within(0.02));
        assertThat(points.get(2)[0] - points.get(1)[0])
                .isCloseTo(2 * (points.get(1)[0] - points.get(0)[0]), within(0.02));
        assertThat(points.get(1)[1] - points.get(0)[1])
                .isCloseTo(points.get(2)[1] - points.get(3)[1], within(0.02));
        assertThat(points.get(1)[1]).isLessThan(points.get(0)[1]); // larger values are higher up
    }

    @Test
    void barHeightsAreProportionalToTheValues() throws Exception {
        double[][] cases = {
            {10, 25, 40, 0, -5},
            {4e12, 1e12, -2.5e12, 9_007_199_254_740_993.0},
            {0.001, 0.004},
            {Double.MAX_VALUE, -Double.MAX_VALUE / 2, 0}
        };
        for (double[] values : cases) {
            List<List<Object>> rows = new ArrayList<>();
            for (int i = 0; i < values.length; i++) {
                rows.add(List.of("c" + i, values[i]));
            }
            rows.add(Arrays.asList("missing", null));
            Document svg =
                    parse(
                            svgs(html(new PanelData("bars", Kind.BAR, List.of("c", "v"), rows)))
                                    .get(0));
            List<Element> bars =
                    elements(svg, "rect").stream()
                            .filter(r -> "bar".equals(r.getAttribute("class")))
                            .toList();
            assertThat(bars).hasSize(values.length);
            int largest = 0;
            for (int i = 0; i < values.length; i++) {
                largest = Math.abs(values[i]) > Math.abs(values[largest]) ? i : largest;
            }
            double unit = attr(bars.get(largest), "height") / Math.abs(values[largest]);
            assertThat(attr(bars.get(largest), "height")).isGreaterThan(100);
            double zero =
                    values[0] >= 0
                            ? attr(bars.get(0), "y") + attr(bars.get(0), "height")
                            : attr(bars.get(0), "y");
            for (int i = 0; i < values.length; i++) {
                Element bar = bars.get(i);
                assertThat(attr(bar, "height"))
                        .as("bar %d of %s", i, Arrays.toString(values))
                        .isCloseTo(Math.abs(values[i]) * unit, within(0.011));
                // positive bars stand on the zero line, negative ones hang from it
                assertThat(values[i] >= 0 ? attr(bar, "y") + attr(bar, "height") : attr(bar, "y"))
                        .isCloseTo(zero, within(0.011));
                assertThat(attr(bar, "x")).isGreaterThan(i == 0 ? 0 : attr(bars.get(i - 1), "x"));
            }
        }
    }

    @Test
    void barsShowTheFirstCategoriesAndSaySo() throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < SvgCharts.MAX_CATEGORIES + 15; i++) {
            rows.add(List.of("c" + i, i));
        }
        Document svg =
                parse(svgs(html(new PanelData("many", Kind.BAR, List.of("c", "v"), rows))).get(0));
        assertThat(elements(svg, "rect")).hasSize(SvgCharts.MAX_CATEGORIES);
        assertThat(elements(svg, "text").stream().map(Element::getTextContent))
                .contains("first 60 of 75 categories");
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

    @Test
    void tickLabelsStayShortAndDistinct() {
        assertThat(Markup.tick(1_500, 500)).isEqualTo("1.5k");
        assertThat(Markup.tick(0, 2_000)).isEqualTo("0");
        assertThat(Markup.tick(0.1 + 0.2 - 0.3, 0.1)).isEqualTo("0");
        assertThat(Markup.tick(1_000_500, 500)).isEqualTo("1.0005M");
        assertThat(Markup.tick(-2e12, 1e12)).isEqualTo("-2T");
        assertThat(Markup.tick(0.25, 0.05)).isEqualTo("0.25");
        assertThat(Markup.tick(9e18, 1e18)).isEqualTo("9.00e+18");
        ChartScale.Range huge = ChartScale.values(-Double.MAX_VALUE, Double.MAX_VALUE, 5);
        assertThat(huge.hi()).isGreaterThan(huge.lo());
        assertThat(huge.ticks()).allSatisfy(t -> assertThat(t).isFinite());
    }

    private static String html(PanelData... panels) {
        return HtmlDashboard.render("t", "n", List.of(new Section("s", List.of(panels))));
    }

    private static PanelData minutes(String title, int count) {
        List<List<Object>> rows = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            rows.add(List.of(T0.plusMinutes(i), i * i));
        }
        return new PanelData(title, Kind.TIMESERIES, List.of("minute", "events"), rows);
    }

    /** Each {@code <svg>...</svg>} of the page, each checked to be well-formed XML on its own. */
    private static List<String> svgs(String html) throws Exception {
        List<String> svgs = new ArrayList<>();
        Matcher m = Pattern.compile("<svg[ >].*?</svg>", Pattern.DOTALL).matcher(html);
        while (m.find()) {
            parse(m.group());
            svgs.add(m.group());
        }
        return svgs;
    }

    static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", false);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    private static List<Element> elements(Document doc, String tag) {
        return elements(doc.getDocumentElement(), tag);
    }

    private static List<Element> elements(Element root, String tag) {
        List<Element> list = new ArrayList<>();
        if ("*".equals(tag) || root.getTagName().equals(tag)) {
            list.add(root);
        }
        NodeList nodes = root.getElementsByTagName(tag);
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    private static List<String> legend(String svg) throws Exception {
        return elements(parse(svg), "g").stream()
                .filter(g -> "legend".equals(g.getAttribute("class")))
                .map(g -> elements(g, "title").get(0).getTextContent())
                .toList();
    }

    private static List<double[]> pathPoints(Element path) {
        List<double[]> points = new ArrayList<>();
        Matcher m =
                Pattern.compile("[ML]\\s*(-?[0-9.]+)\\s+(-?[0-9.]+)")
                        .matcher(path.getAttribute("d"));
        while (m.find()) {
            points.add(
                    new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))});
        }
        return points;
    }

    private static double attr(Element e, String name) {
        return Double.parseDouble(e.getAttribute(name));
    }
}
