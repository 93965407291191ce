package io.sluice.jobs.analytics.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The alert transitions against docs/alerts.md, computed here by brute force over the final
 * buckets: at every bucket end t up to the watermark, whether the condition holds over the window
 * before t, and a transition wherever that differs from t − 1 bucket. The series get new buckets at
 * the head, corrections behind the watermark within the horizon, older row versions arriving after
 * newer ones, and a restore half-way.
 */
class AlertFunctionTest {
    private static final long MIN = 60_000L;
    private static final long DAY = 86_400_000L;
    private static final long HORIZON = 40 * MIN;

    @Test
    void errorRateTransitionsEqualTheDefinitionThroughCorrectionsAndARestore() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            AlertRule rule = new AlertRule.ErrorRate(5, 0.02, 20);
            run(rule, new String[] {"api@1.0", "billing@1.1"}, seed, MIN, HORIZON);
        }
    }

    @Test
    void dauDropTransitionsEqualTheDefinitionThroughCorrectionsAndARestore() throws Exception {
        for (long seed = 1; seed <= 5; seed++) {
            run(new AlertRule.DauDrop(0.2, 10), new String[] {""}, seed, DAY, 3 * DAY);
        }
    }

    /** Generates the series, runs the operator over them, and compares with the definition. */
    private static void run(AlertRule rule, String[] keys, long seed, long b, long horizon)
            throws Exception {
        Random random = new Random(seed);
        Map<String, TreeMap<Long, long[]>> truth = new HashMap<>();
        List<Object> feed = new ArrayList<>(); // AlertInput, or Long: a watermark
        long version = 1000;
        long head = 1000 * b;
        long watermark = Long.MIN_VALUE;
        for (int step = 0; step < 400; step++) {
            for (String key : keys) {
                TreeMap<Long, long[]> series = truth.computeIfAbsent(key, k -> new TreeMap<>());
                // New buckets at the head, now and then a gap without any.
                if (random.nextInt(8) > 0) {
                    long m = head + random.nextInt(3) * b;
                    long[] c = counts(rule, random);
                    series.put(m, c);
                    feed.add(new AlertInput(rule.rule.toString(), key, m, c, ++version));
                }
                // Corrections: buckets the watermark passed, still within the horizon.
                if (watermark != Long.MIN_VALUE && random.nextInt(3) == 0) {
                    long m = (watermark / b - random.nextInt((int) (horizon / b))) * b;
                    if (m + b + horizon > watermark) {
                        long[] c = counts(rule, random);
                        series.put(m, c);
                        AlertInput in = new AlertInput(rule.rule.toString(), key, m, c, ++version);
                        // Now and then an older row of the bucket after it: ignored.
                        if (random.nextInt(5) == 0) {
                            feed.add(in);
                            feed.add(
                                    new AlertInput(
                                            in.rule,
                                            key,
                                            m,
                                            counts(rule, random),
                                            version - 1 - random.nextInt(3)));
                        } else {
                            feed.add(in);
                        }
                    }
                }
            }
            head += b * (random.nextInt(3) == 0 ? 4 : 1);
            if (step % 3 == 2) {
                watermark = head - 2 * b - random.nextInt(2) * b;
                feed.add(watermark);
            }
        }
        watermark = head - b;
        feed.add(watermark);
        // The stream then goes quiet: corrections behind the watermark and no watermark after
        // them. They must count without waiting for one.
        for (String key : keys) {
            for (int i = 0; i < 3; i++) {
                long m = (watermark / b - 1 - random.nextInt(4)) * b;
                long[] c = counts(rule, random);
                truth.get(key).put(m, c);
                feed.add(new AlertInput(rule.rule.toString(), key, m, c, ++version));
            }
        }

        Map<String, AnalyticsRow> rows = new TreeMap<>();
        OperatorSubtaskState snapshot;
        int half = feed.size() / 2;
        try (var h = harness(rule, horizon, null)) {
            play(h, feed.subList(0, half));
            h.extractOutputValues().forEach(r -> keep(rows, r));
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(rule, horizon, snapshot)) {
            play(h, feed.subList(half, feed.size()));
            h.extractOutputValues().forEach(r -> keep(rows, r));
            // Once no change can reach a bucket or a point, their state is gone.
            h.processWatermark(new Watermark(Long.MAX_VALUE));
            assertThat(h.numKeyedStateEntries()).as("state left").isZero();
        }
        Map<String, String> actual = new TreeMap<>();
        for (AnalyticsRow r : rows.values()) {
            if (r.get("_is_deleted").equals("0")) {
                actual.put(
                        r.get("key") + " " + r.get("since"), r.get("state") + " " + r.get("value"));
            }
        }
        Map<String, String> expected = expected(rule, truth, b, watermark);
        assertThat(actual).as("seed %d", seed).isEqualTo(expected);
        assertThat(expected.values()).anyMatch(v -> v.startsWith("firing"));
        assertThat(expected.values()).anyMatch(v -> v.startsWith("resolved"));
    }

    private static long[] counts(AlertRule rule, Random random) {
        if (rule instanceof AlertRule.DauDrop) {
            return new long[] {5 + random.nextInt(100)};
        }
        long requests = random.nextInt(15);
        long errors = random.nextInt(10) == 0 ? random.nextInt(3) : 0;
        return new long[] {requests, Math.min(errors, requests)};
    }

    private static void keep(Map<String, AnalyticsRow> rows, AnalyticsRow r) {
        AnalyticsRow had = rows.get(r.key);
        if (had == null || had.version < r.version) {
            rows.put(r.key, r);
        }
    }

    private static void play(
            KeyedOneInputStreamOperatorTestHarness<String, AlertInput, AnalyticsRow> h,
            List<Object> feed)
            throws Exception {
        for (Object o : feed) {
            if (o instanceof Long w) {
                h.processWatermark(new Watermark(w));
            } else {
                h.processElement(new StreamRecord<>((AlertInput) o));
            }
        }
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, AlertInput, AnalyticsRow> harness(
            AlertRule rule, long horizon, OperatorSubtaskState snapshot) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new AlertFunction(List.of(rule), horizon)),
                        AlertInput::ruleKey,
                        Types.STRING);
        if (snapshot != null) {
            h.initializeState(snapshot);
        }
        h.open();
        return h;
    }

    /**
     * The definition, written from the docs: at every bucket end t ≤ the watermark, the error rule
     * holds with at least 20 requests over the 5 minutes before t and errors / requests above 0.02;
     * the DAU rule holds with at least 10 users the day before and (before − day) / before above
     * 0.2. A transition is a bucket end where that differs from the one before.
     */
    private static Map<String, String> expected(
            AlertRule rule, Map<String, TreeMap<Long, long[]>> truth, long b, long watermark) {
        Map<String, String> out = new TreeMap<>();
        truth.forEach(
                (key, series) -> {
                    for (long t = series.firstKey(); t <= watermark; t += b) {
                        boolean now = holds(rule, series, t, b);
                        if (now != holds(rule, series, t - b, b)) {
                            out.put(
                                    key + " " + time(t),
                                    (now ? "firing " : "resolved ") + value(rule, series, t, b));
                        }
                    }
                });
        return out;
    }

    private static long get(TreeMap<Long, long[]> s, long m, int i) {
        long[] c = s.get(m);
        return c == null ? 0 : c[i];
    }

    private static boolean holds(AlertRule rule, TreeMap<Long, long[]> s, long t, long b) {
        if (rule instanceof AlertRule.DauDrop) {
            long before = get(s, t - 2 * b, 0);
            return before >= 10 && (double) (before - get(s, t - b, 0)) / before > 0.2;
        }
        long requests = 0;
        long errors = 0;
        for (long m = t - 5 * b; m < t; m += b) {
            requests += get(s, m, 0);
            errors += get(s, m, 1);
        }
        return requests >= 20 && (double) errors / requests > 0.02;
    }

    private static String value(AlertRule rule, TreeMap<Long, long[]> s, long t, long b) {
        if (rule instanceof AlertRule.DauDrop) {
            long before = get(s, t - 2 * b, 0);
            return Double.toString(before == 0 ? 0 : (double) (before - get(s, t - b, 0)) / before);
        }
        long requests = 0;
        long errors = 0;
        for (long m = t - 5 * b; m < t; m += b) {
            requests += get(s, m, 0);
            errors += get(s, m, 1);
        }
        return Double.toString(requests == 0 ? 0 : (double) errors / requests);
    }

    private static String time(long ms) {
        return io.sluice.jobs.analytics.setup.AnalyticsTables.dateTimeMillis(ms);
    }
}
