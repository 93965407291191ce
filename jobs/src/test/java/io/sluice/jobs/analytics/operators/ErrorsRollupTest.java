package io.sluice.jobs.analytics.operators;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.CleanEvent;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import io.sluice.jobs.analytics.model.EventDelta;
import io.sluice.jobs.analytics.model.RequestSchema;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * errors_1m against its definition: per minute, service and version, the request events and those
 * whose status is a number of at least 500, through inserts and retractions, pre-aggregated before
 * the shuffle as the job runs it.
 */
class ErrorsRollupTest {
    private static final String[] STATUSES = {
        "200", "201", "404", "500", "503", "\"502\"", "\"ok\"", "null"
    };

    @Test
    void countsRequestsAndErrorsThroughRetractionsAndTheCombiner() throws Exception {
        Random random = new Random(11);
        RequestSchema schema =
                new RequestSchema(
                        "api_request",
                        "endpoint",
                        "latency_ms",
                        "status",
                        "service",
                        "version",
                        500);
        RollupSpec spec =
                new ErrorsRollup("errors_1m", 60_000L, schema, new EventProperties(List.of()));
        List<EventDelta> raw = new ArrayList<>();
        List<CleanEvent> live = new ArrayList<>();
        Map<String, long[]> expected = new TreeMap<>();
        long lsn = 1;
        for (int i = 0; i < 2000; i++) {
            lsn++;
            if (!live.isEmpty() && random.nextInt(4) == 0) {
                CleanEvent gone = live.remove(random.nextInt(live.size()));
                raw.add(new EventDelta(-1, gone, lsn));
                add(expected, gone, -1);
                continue;
            }
            CleanEvent e =
                    RollupOperatorsTest.event(
                            "e" + i,
                            "u" + random.nextInt(5),
                            "2026-11-20T10:0"
                                    + random.nextInt(3)
                                    + ":"
                                    + (10 + random.nextInt(50))
                                    + "Z",
                            random.nextInt(5) == 0 ? "page_view" : "api_request");
            StringBuilder p =
                    new StringBuilder("{\"status\": " + STATUSES[random.nextInt(STATUSES.length)]);
            if (random.nextInt(6) > 0) {
                p.append(", \"service\": \"")
                        .append(random.nextBoolean() ? "api" : "billing")
                        .append('"');
            }
            if (random.nextInt(6) > 0) {
                p.append(", \"version\": \"1.").append(random.nextInt(2)).append('"');
            }
            e.propertiesJson = p.append('}').toString();
            live.add(e);
            raw.add(new EventDelta(1, e, lsn));
            add(expected, e, 1);
        }
        List<EventDelta> combined = new ArrayList<>();
        try (var h = new OneInputStreamOperatorTestHarness<>(new RollupCombiner(spec))) {
            h.open();
            for (EventDelta d : raw) {
                h.processElement(new StreamRecord<>(d));
            }
            h.endInput();
            combined.addAll(h.extractOutputValues());
        }
        assertThat(combined.size()).isLessThan(raw.size() / 4);
        // The rollup's counts per key, as CountRollupFunction adds them after the shuffle.
        Map<String, long[]> actual = new TreeMap<>();
        Map<String, AnalyticsRow> rows = new TreeMap<>();
        for (EventDelta d : combined) {
            long[] c = actual.computeIfAbsent(spec.key(d.event), k -> new long[2]);
            long[] inc = spec.increments(d.event);
            c[0] += d.sign * inc[0];
            c[1] += d.sign * inc[1];
            rows.put(spec.key(d.event), spec.row(d.event, c, 1));
        }
        assertThat(describe(actual)).isEqualTo(describe(expected));
        for (AnalyticsRow row : rows.values()) {
            long requests = Long.parseLong(row.get("requests"));
            long errors = Long.parseLong(row.get("errors"));
            assertThat(Double.parseDouble(row.get("error_rate")))
                    .isEqualTo(requests == 0 ? 0 : (double) errors / requests);
        }
    }

    /** The definition, read off the JSON text independently of the job's property reader. */
    private static void add(Map<String, long[]> expected, CleanEvent e, int sign) {
        if (!e.eventName.equals("api_request")) {
            return;
        }
        String json = e.propertiesJson;
        String service = field(json, "service");
        String version = field(json, "version");
        String status = json.replaceAll(".*\"status\": \"?([^\",}]*)\"?.*", "$1");
        boolean error = status.matches("[0-9]+") && Integer.parseInt(status) >= 500;
        long minute = Instant.ofEpochMilli(e.occurredAtMs()).getEpochSecond() / 60 * 60;
        String key = minute + "|" + service + "|" + version;
        long[] c = expected.computeIfAbsent(key, k -> new long[2]);
        c[0] += sign;
        c[1] += error ? sign : 0;
    }

    private static String field(String json, String name) {
        int i = json.indexOf("\"" + name + "\": \"");
        if (i < 0) {
            return "";
        }
        int start = i + name.length() + 5;
        return json.substring(start, json.indexOf('"', start));
    }

    private static Map<String, String> describe(Map<String, long[]> counts) {
        Map<String, String> out = new TreeMap<>();
        counts.forEach(
                (k, c) -> {
                    if (c[0] != 0 || c[1] != 0) {
                        out.put(
                                k.replace('\u0000', '|').replaceFirst("^(\\d+)000\\|", "$1|"),
                                c[0] + "/" + c[1]);
                    }
                });
        return out;
    }
}
