package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * revenue-orders alone: the orders table's changes, and each refund's changes as the definition
 * says they reach its order (present with its day and amount, or gone from an order it left),
 * arriving late and in bursts. The deltas it emits, summed per day and currency, must be the
 * definition over the tables as they stand ({@link RevenueWorkload#expected}), through a restore
 * half-way; each carries the LSN of the change it came from, and nothing is left in state once
 * every order and refund is deleted.
 */
class OrderRevenueFunctionTest {
    private final Map<String, long[]> sums = new TreeMap<>();
    private final Deque<RefundChange> inFlight = new ArrayDeque<>();
    private Random random;
    private KeyedTwoInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange, RevenueDelta>
            h;

    @Test
    void summedDeltasEqualTheDefinitionThroughEditsDeletesEarlyRefundsAndARestore()
            throws Exception {
        for (long seed = 11; seed <= 16; seed++) {
            RevenueWorkload w = new RevenueWorkload(seed);
            random = new Random(seed);
            sums.clear();
            h = harness(null);
            for (ChangeRecord c : w.snapshot(200)) {
                send(w, c);
            }
            for (int i = 0; i < 3000; i++) {
                send(w, w.next());
                if (i == 1500) {
                    deliver(inFlight.size()); // in flight before the barrier
                    OperatorSubtaskState state = h.snapshot(1, 0);
                    h.close();
                    h = harness(state);
                }
            }
            deliver(inFlight.size());
            assertThat(table()).as("seed %d", seed).isEqualTo(w.expected());

            for (ChangeRecord c = w.deleteNext(); c != null; c = w.deleteNext()) {
                send(w, c);
            }
            deliver(inFlight.size());
            assertThat(table()).isEmpty();
            assertThat(h.numKeyedStateEntries()).as("state left").isZero();
            h.close();
        }
    }

    /** Feeds one change: an order's as it is, a refund's as what its order is told. */
    private void send(RevenueWorkload w, ChangeRecord c) throws Exception {
        if (c.table().equals(RevenueWorkload.ORDERS)) {
            h.processElement1(new StreamRecord<>(c));
            collect(c.lsn());
        } else {
            String id = c.values().get("refund_id").toString();
            RefundState before = w.refundBefore;
            RefundState after =
                    c.op() == ChangeRecord.Op.SNAPSHOT
                            ? RevenueWorkload.validRefund(c.values())
                            : w.refundAfter;
            if (before != null && (after == null || !before.orderId.equals(after.orderId))) {
                inFlight.add(RefundChange.gone(id, before, c.lsn()));
            }
            if (after != null && !after.equals(before)) {
                inFlight.add(RefundChange.present(id, after, c.lsn()));
            }
        }
        if (random.nextInt(4) == 0) {
            deliver(random.nextInt(inFlight.size() + 1));
        }
    }

    private void deliver(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            RefundChange r = inFlight.poll();
            h.processElement2(new StreamRecord<>(r));
            collect(r.lsn);
        }
    }

    private void collect(long lsn) {
        for (RevenueDelta d : h.extractOutputValues()) {
            assertThat(d.lsn).as("LSN of %s", d).isEqualTo(lsn);
            long[] s = sums.computeIfAbsent(d.key(), k -> new long[4]);
            s[0] += d.orders;
            s[1] += d.gross;
            s[2] += d.refunds;
            s[3] += d.refundCount;
        }
        h.getOutput().clear();
    }

    /** The summed deltas as the definition's rows; a key without orders or refunds has none. */
    private Map<String, String> table() {
        Map<String, String> out = new TreeMap<>();
        sums.forEach(
                (k, s) -> {
                    if (s[0] != 0 || s[3] != 0) {
                        String[] key = k.split("\u0000");
                        out.put(
                                LocalDate.ofEpochDay(Long.parseLong(key[0])) + "|" + key[1],
                                s[0]
                                        + "|"
                                        + money(s[1])
                                        + "|"
                                        + money(s[2])
                                        + "|"
                                        + money(s[1] - s[2]));
                    } else {
                        assertThat(s)
                                .as("a key without orders or refunds sums to 0")
                                .containsOnly(0);
                    }
                });
        return out;
    }

    private static String money(long units) {
        return RevenueWorkload.plain(BigDecimal.valueOf(units, 4));
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange, RevenueDelta>
            harness(OperatorSubtaskState state) throws Exception {
        var harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(
                                new OrderRevenueFunction(RevenueWorkload.SCHEMA)),
                        RevenueWorkload.SCHEMA::orderKey,
                        (RefundChange r) -> r.orderId,
                        Types.STRING);
        if (state != null) {
            harness.initializeState(state);
        }
        harness.open();
        return harness;
    }
}
