package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The pre-aggregation before revenue-daily's shuffle: the sums it leads to are the sums of the raw
 * deltas with the newest LSN per row, a delta that cancels out is not sent, and nothing waits past
 * a barrier, a flush timer or a watermark.
 */
class RevenueCombinerTest {
    @Test
    void combinedDeltasAddUpToTheRawOnesAndNothingWaitsPastABarrier() throws Exception {
        Random random = new Random(3);
        List<RevenueDelta> raw = new ArrayList<>();
        long lsn = 100;
        for (int i = 0; i < 5000; i++) {
            lsn += random.nextInt(3);
            int sign = random.nextBoolean() ? 1 : -1;
            raw.add(
                    new RevenueDelta(
                            20_000 + random.nextInt(4),
                            random.nextBoolean() ? "USD" : "EUR",
                            sign * random.nextInt(2),
                            sign * random.nextInt(50_000),
                            sign * random.nextInt(9_000),
                            sign * random.nextInt(2),
                            lsn));
        }
        List<RevenueDelta> combined = new ArrayList<>();
        try (var h = new OneInputStreamOperatorTestHarness<>(new RevenueCombiner())) {
            h.open();
            long checkpoint = 0;
            for (int i = 0; i < raw.size(); i++) {
                h.processElement(new StreamRecord<>(raw.get(i)));
                int what = random.nextInt(300);
                if (what < 3) {
                    if (what == 0) {
                        h.prepareSnapshotPreBarrier(++checkpoint);
                    } else if (what == 1) {
                        h.setProcessingTime(
                                h.getProcessingTime() + RevenueCombiner.FLUSH_INTERVAL_MS);
                    } else {
                        h.processWatermark(new Watermark(i));
                        // The watermark follows every delta before it.
                        assertThat(new ArrayList<>(h.getOutput()))
                                .last()
                                .isEqualTo(new Watermark(i));
                    }
                    combined.addAll(h.extractOutputValues());
                    h.getOutput().clear();
                    // Whatever came before has left: nothing is buffered.
                    assertThat(sums(combined)).isEqualTo(sums(raw.subList(0, i + 1)));
                }
            }
            h.endInput();
            combined.addAll(h.extractOutputValues());
        }
        assertThat(combined.size()).isLessThan(raw.size() / 10);
        assertThat(sums(combined)).isEqualTo(sums(raw));
        assertThat(combined).noneMatch(RevenueDelta::isZero);
    }

    /** Per row key: the summed numbers and the newest LSN; a key summing to zero is left out. */
    private static Map<String, List<Long>> sums(List<RevenueDelta> deltas) {
        Map<String, RevenueDelta> byKey = new TreeMap<>();
        for (RevenueDelta d : deltas) {
            byKey.merge(
                    d.key(),
                    new RevenueDelta(
                            d.day, d.currency, d.orders, d.gross, d.refunds, d.refundCount, d.lsn),
                    (a, b) -> {
                        a.add(b);
                        return a;
                    });
        }
        Map<String, List<Long>> out = new TreeMap<>();
        byKey.forEach(
                (k, d) -> {
                    if (!d.isZero()) {
                        out.put(k, List.of(d.orders, d.gross, d.refunds, d.refundCount));
                    }
                });
        return out;
    }
}
