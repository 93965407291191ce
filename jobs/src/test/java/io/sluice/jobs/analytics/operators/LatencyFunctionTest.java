package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.RequestSchema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * latency_1m against its definition: per minute and endpoint, the count, nearest-rank 50th, 95th
 * and 99th percentile (Postgres' percentile_disc) and the largest latency of the live request
 * events, through random inserts, corrections and deletes, pre-aggregated as the job runs it, with
 * a restore half-way.
 */
class LatencyFunctionTest {
    private static final String[] ENDPOINTS = {"/api/orders", "/api/users", "/health"};

    private final LatencySpec spec =
            new LatencySpec(
                    "latency_1m",
                    60_000L,
                    new RequestSchema(
                            "api_request",
                            "endpoint",
                            "latency_ms",
                            "status",
                            "service",
                            "version",
                            500),
                    new EventProperties(List.of()));

    @Test
    void percentilesFollowInsertsCorrectionsAndDeletesThroughARestore() throws Exception {
        Random random = new Random(5);
        List<CleanEvent> live = new ArrayList<>();
        List<EventDelta> raw = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            if (!live.isEmpty() && random.nextInt(4) == 0) {
                raw.add(new EventDelta(-1, live.remove(random.nextInt(live.size())), i + 1));
                continue;
            }
            CleanEvent e =
                    RollupOperatorsTest.event(
                            "e" + i,
                            "u" + random.nextInt(9),
                            "2026-11-20T10:0"
                                    + random.nextInt(3)
                                    + ":"
                                    + (10 + random.nextInt(50))
                                    + "Z",
                            random.nextInt(6) == 0 ? "page_view" : "api_request");
            String latency =
                    switch (random.nextInt(12)) {
                        case 0 -> "\"slow\"";
                        case 1 -> "null";
                        case 2 -> "\"" + random.nextInt(50) + "\"";
                        default ->
                                Integer.toString(random.nextInt(random.nextBoolean() ? 40 : 900));
                    };
            e.propertiesJson =
                    "{\"endpoint\": \""
                            + ENDPOINTS[random.nextInt(ENDPOINTS.length)]
                            + "\", \"latency_ms\": "
                            + latency
                            + "}";
            live.add(e);
            raw.add(new EventDelta(1, e, i + 1));
        }
        // Pre-aggregated in chunks, as the combiner emits before each barrier.
        List<EventDelta> combined = new ArrayList<>();
        try (var c = new OneInputStreamOperatorTestHarness<>(new RollupCombiner(spec))) {
            c.open();
            for (int i = 0; i < raw.size(); i++) {
                c.processElement(new StreamRecord<>(raw.get(i)));
                if (i % 97 == 0) {
                    c.prepareSnapshotPreBarrier(i);
                }
            }
            c.endInput();
            combined.addAll(c.extractOutputValues());
        }
        Map<String, AnalyticsRow> rows = new TreeMap<>();
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            for (EventDelta d : combined.subList(0, combined.size() / 2)) {
                h.processElement(new StreamRecord<>(d));
            }
            h.extractOutputValues().forEach(r -> rows.put(r.key, r));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(snapshot)) {
            for (EventDelta d : combined.subList(combined.size() / 2, combined.size())) {
                h.processElement(new StreamRecord<>(d));
            }
            h.extractOutputValues().forEach(r -> rows.put(r.key, r));
        }
        Map<String, String> expected = expected(live);
        Map<String, String> actual = new TreeMap<>();
        for (AnalyticsRow r : rows.values()) {
            if (!r.get("requests").equals("0")) {
                actual.put(
                        r.get("window_start") + " " + r.get("endpoint"),
                        String.join(
                                " ",
                                r.get("requests"),
                                r.get("p50_ms"),
                                r.get("p95_ms"),
                                r.get("p99_ms"),
                                r.get("max_ms")));
            }
        }
        assertThat(actual).isEqualTo(expected).hasSizeGreaterThan(6);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, EventDelta, AnalyticsRow> harness(
            OperatorSubtaskState snapshot) throws Exception {
        LatencySpec s = spec; // the key selector is serialized: it must not hold the test
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new LatencyFunction(s, 3_600_000L, 0)),
                        (EventDelta d) -> s.key(d.event),
                        Types.STRING);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    /**
     * The definition over the live events, read off their JSON independently of the job: latency a
     * JSON number or a string of digits; the value at position ceil(p × n) of the sorted list.
     */
    private static Map<String, String> expected(List<CleanEvent> live) {
        Map<String, List<Double>> byKey = new HashMap<>();
        for (CleanEvent e : live) {
            String json = e.propertiesJson;
            String latency = json.replaceAll(".*\"latency_ms\": \"?([^\",}]*)\"?.*", "$1");
            if (!e.eventName.equals("api_request") || !latency.matches("[0-9]+")) {
                continue;
            }
            String endpoint = json.replaceAll(".*\"endpoint\": \"([^\"]*)\".*", "$1");
            long minute = e.occurredAtMs() / 60_000 * 60;
            String window =
                    java.time.LocalDateTime.ofEpochSecond(minute, 0, java.time.ZoneOffset.UTC)
                            .toString()
                            .replace('T', ' ');
            window = window.length() == 16 ? window + ":00" : window;
            byKey.computeIfAbsent(window + " " + endpoint, k -> new ArrayList<>())
                    .add(Double.parseDouble(latency));
        }
        Map<String, String> out = new TreeMap<>();
        byKey.forEach(
                (k, values) -> {
                    values.sort(null);
                    int n = values.size();
                    out.put(
                            k,
                            String.join(
                                    " ",
                                    Integer.toString(n),
                                    Double.toString(values.get((int) Math.ceil(0.5 * n) - 1)),
                                    Double.toString(values.get((int) Math.ceil(0.95 * n) - 1)),
                                    Double.toString(values.get((int) Math.ceil(0.99 * n) - 1)),
                                    Double.toString(values.get(n - 1))));
                });
        return out;
    }
}
