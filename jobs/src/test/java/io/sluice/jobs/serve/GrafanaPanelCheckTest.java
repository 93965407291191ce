package io.sluice.jobs.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.serve.GrafanaDashboards.Format;
import io.sluice.jobs.serve.GrafanaDashboards.Panel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The shape rules of {@link GrafanaPanelCheck}, without a server (the check itself runs in ITs).
 */
class GrafanaPanelCheckTest {
    static Panel panel(String type, Format format) {
        return new Panel(
                "d", "d", "p", type, GrafanaDashboards.CLICKHOUSE_TYPE, "u", "SELECT 1", format);
    }

    static Map<String, String> columns(String... nameType) {
        Map<String, String> c = new LinkedHashMap<>();
        for (int i = 0; i < nameType.length; i += 2) {
            c.put(nameType[i], nameType[i + 1]);
        }
        return c;
    }

    @Test
    void aTimeSeriesIsATimeThenLabelsAndNumbers() {
        Panel ts = panel("timeseries", Format.TIME_SERIES);
        assertThat(
                        GrafanaPanelCheck.shape(
                                ts,
                                columns(
                                        "t",
                                        "DateTime('UTC')",
                                        "name",
                                        "LowCardinality(String)",
                                        "n",
                                        "Int64"),
                                List.of(List.of("2026-11-20 10:00:00", "a", "3"))))
                .isEmpty();
        assertThat(
                        GrafanaPanelCheck.shape(
                                ts, columns("t", "Date", "v", "Nullable(Float64)"), List.of()))
                .isEmpty();
        assertThat(GrafanaPanelCheck.shape(ts, columns("name", "String", "n", "UInt64"), List.of()))
                .hasSize(1);
        assertThat(GrafanaPanelCheck.shape(ts, columns("t", "Date", "name", "String"), List.of()))
                .hasSize(1);
        assertThat(
                        GrafanaPanelCheck.shape(
                                ts,
                                columns("t", "Date", "a", "Array(String)", "n", "Int64"),
                                List.of()))
                .hasSize(1);
    }

    @Test
    void aStatIsOneRowOfNumbers() {
        Panel stat = panel("stat", Format.TABLE);
        assertThat(GrafanaPanelCheck.shape(stat, columns("n", "UInt64"), List.of(List.of("4"))))
                .isEmpty();
        assertThat(GrafanaPanelCheck.shape(stat, columns("n", "UInt64"), List.of())).hasSize(1);
        assertThat(GrafanaPanelCheck.shape(stat, columns("n", "String"), List.of(List.of("x"))))
                .hasSize(1);
    }

    @Test
    void rowsMustMatchTheColumns() {
        assertThat(
                        GrafanaPanelCheck.shape(
                                panel("table", Format.TABLE),
                                columns("a", "String", "b", "String"),
                                List.of(List.of("x"))))
                .hasSize(1);
    }
}
