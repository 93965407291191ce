package io.sluice.jobs.serve;

import static io.sluice.jobs.serve.DashboardXml.attr;
import static io.sluice.jobs.serve.DashboardXml.elements;
import static io.sluice.jobs.serve.DashboardXml.html;
import static io.sluice.jobs.serve.DashboardXml.legend;
import static io.sluice.jobs.serve.DashboardXml.parse;
import static io.sluice.jobs.serve.DashboardXml.pathPoints;
import static io.sluice.jobs.serve.DashboardXml.svgs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.sluice.jobs.serve.PanelData.Kind;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The charts' geometry read back from the SVG attributes with an XML parser and checked by
 * arithmetic against the values: bar heights proportional to the values, lines following them, one
 * path per series, and no division by zero for empty, single or all-equal data.
 */
class SvgChartsTest {
    private static final LocalDateTime T0 = LocalDateTime.of(2026, 3, 1, 10, 0);

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
}
