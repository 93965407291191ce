package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.math.BigDecimal;
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
import org.junit.jupiter.api.Test;

/**
 * revenue-daily alone: orders and refunds of a few days and currencies come and go as deltas (a
 * snapshot's many at one LSN, then one LSN each). The newest row per key must hold the sums of the
 * orders and refunds still there, be deleted with zeros where none is left, and every row must
 * outrank the one before it, also when a failure makes the operator read changes again from its
 * checkpoint; no version is below the LSN of a change behind it.
 */
class RevenueDailyFunctionTest {
    private static final String[] CURRENCIES = {"USD", "EUR"};

    @Test
    void rowsHoldTheSumsOfWhatIsLeftAndEachOutranksTheOneBeforeThroughAFailure() throws Exception {
        for (long seed = 31; seed <= 36; seed++) {
            Random random = new Random(seed);
            // Per key, what is there now: orders (amount) and refunds (amount), in units.
            Map<String, List<Long>> orders = new TreeMap<>();
            Map<String, List<Long>> refunds = new TreeMap<>();
            List<RevenueDelta> feed = new ArrayList<>();
            long lsn = 5_000;
            for (int i = 0; i < 2000; i++) {
                if (i >= 200) {
                    lsn += 1 + random.nextInt(3); // the first 200: a snapshot, one LSN
                }
                long day = 20_500 + random.nextInt(3);
                String currency = CURRENCIES[random.nextInt(CURRENCIES.length)];
                String key = day + "\u0000" + currency;
                boolean refund = random.nextInt(3) == 0;
                List<Long> there =
                        (refund ? refunds : orders).computeIfAbsent(key, k -> new ArrayList<>());
                int sign = !there.isEmpty() && random.nextInt(5) < 2 ? -1 : 1;
                long amount =
                        sign < 0
                                ? there.remove(random.nextInt(there.size()))
                                : random.nextInt(3_000_000);
                if (sign > 0) {
                    there.add(amount);
                }
                feed.add(
                        refund
                                ? new RevenueDelta(day, currency, 0, 0, sign * amount, sign, lsn)
                                : new RevenueDelta(day, currency, sign, sign * amount, 0, 0, lsn));
            }
            // One day and currency loses all its orders and refunds.
            String emptied = 20_500 + "\u0000USD";
            for (long amount : orders.getOrDefault(emptied, List.of())) {
                feed.add(new RevenueDelta(20_500, "USD", -1, -amount, 0, 0, ++lsn));
            }
            for (long amount : refunds.getOrDefault(emptied, List.of())) {
                feed.add(new RevenueDelta(20_500, "USD", 0, 0, -amount, -1, ++lsn));
            }
            orders.remove(emptied);
            refunds.remove(emptied);

            Map<String, AnalyticsRow> table = new HashMap<>();
            Map<String, Long> maxLsn = new HashMap<>();
            var h = harness(null);
            play(h, feed.subList(0, 1000), maxLsn);
            commit(h, table);
            OperatorSubtaskState state = h.snapshot(1, 0);
            Map<String, Long> maxLsnAtCheckpoint = new HashMap<>(maxLsn);
            play(h, feed.subList(1000, 1300), maxLsn);
            h.close(); // a failure: these rows never reach ClickHouse
            h = harness(state);
            play(h, feed.subList(1000, feed.size()), maxLsnAtCheckpoint);
            commit(h, table);
            h.close();

            int deleted = 0;
            for (AnalyticsRow r : table.values()) {
                String key = r.key;
                List<Long> o = orders.getOrDefault(key, List.of());
                List<Long> f = refunds.getOrDefault(key, List.of());
                long gross = o.stream().mapToLong(Long::longValue).sum();
                long refunded = f.stream().mapToLong(Long::longValue).sum();
                assertThat(
                                List.of(
                                        r.get("orders"),
                                        r.get("gross"),
                                        r.get("refunds"),
                                        r.get("net"),
                                        r.get("_is_deleted")))
                        .as("seed %d, %s", seed, r)
                        .containsExactly(
                                Integer.toString(o.size()),
                                BigDecimal.valueOf(gross, 4).toPlainString(),
                                BigDecimal.valueOf(refunded, 4).toPlainString(),
                                BigDecimal.valueOf(gross - refunded, 4).toPlainString(),
                                o.isEmpty() && f.isEmpty() ? "1" : "0");
                deleted += o.isEmpty() && f.isEmpty() ? 1 : 0;
            }
            assertThat(table).hasSize(6);
            assertThat(deleted).isPositive();
        }
    }

    private static void play(
            KeyedOneInputStreamOperatorTestHarness<String, RevenueDelta, AnalyticsRow> h,
            List<RevenueDelta> deltas,
            Map<String, Long> maxLsn)
            throws Exception {
        for (RevenueDelta d : deltas) {
            maxLsn.merge(d.key(), d.lsn, Math::max);
            h.processElement(new StreamRecord<>(d));
            List<AnalyticsRow> out = h.extractOutputValues();
            AnalyticsRow r = out.get(out.size() - 1); // one row per delta
            assertThat(r.key).isEqualTo(d.key());
            assertThat(r.version).isGreaterThanOrEqualTo(maxLsn.get(r.key));
        }
    }

    /**
     * The rows emitted since the last checkpoint reach ClickHouse: each outranks the one before.
     */
    private static void commit(
            KeyedOneInputStreamOperatorTestHarness<String, RevenueDelta, AnalyticsRow> h,
            Map<String, AnalyticsRow> table) {
        for (AnalyticsRow r : h.extractOutputValues()) {
            AnalyticsRow had = table.get(r.key);
            if (had != null) {
                assertThat(r.version).as("%s after %s", r, had).isGreaterThan(had.version);
            }
            table.put(r.key, r);
        }
        h.getOutput().clear();
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, RevenueDelta, AnalyticsRow>
            harness(OperatorSubtaskState state) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new RevenueDailyFunction()),
                        RevenueDelta::key,
                        Types.STRING);
        if (state != null) {
            h.initializeState(state);
        }
        h.open();
        return h;
    }
}
