package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * revenue-refunds alone, over the refunds table's changes of the random workload: what it tells the
 * orders, applied per order (present replaces the refund, gone removes it), must leave each order
 * exactly its usable refunds as the table holds them, though a delete carries only the refund id
 * and refunds move between orders; every unusable refund has a dead letter and no other; through a
 * restore half-way, and with no state left once every refund is deleted.
 */
class RefundFunctionTest {
    private final Map<String, Map<String, String>> byOrder = new TreeMap<>();
    private final Map<String, AnalyticsRow> deadLetters = new TreeMap<>();
    private KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange> h;

    @Test
    void ordersAreToldExactlyTheirUsableRefundsThroughMovesDeletesAndARestore() throws Exception {
        for (long seed = 21; seed <= 26; seed++) {
            RevenueWorkload w = new RevenueWorkload(seed);
            byOrder.clear();
            deadLetters.clear();
            h = harness(null);
            for (ChangeRecord c : w.snapshot(200)) {
                send(c);
            }
            for (int i = 0; i < 3000; i++) {
                send(w.next());
                if (i == 1500) {
                    OperatorSubtaskState state = h.snapshot(1, 0);
                    h.close();
                    h = harness(state);
                }
            }
            assertThat(byOrder).as("seed %d", seed).isEqualTo(expected(w));
            Set<String> dead = new TreeSet<>();
            deadLetters.forEach(
                    (k, r) -> {
                        if (r.get("_is_deleted").equals("0")) {
                            dead.add(r.get("source_table") + "|" + r.get("event_id"));
                        }
                    });
            Set<String> expectedDead = new TreeSet<>(w.expectedDeadLetters());
            expectedDead.removeIf(d -> !d.startsWith(RevenueWorkload.REFUNDS + "|"));
            assertThat(dead).isEqualTo(expectedDead).isNotEmpty();

            for (ChangeRecord c : w.deleteAll()) {
                send(c);
            }
            assertThat(byOrder).isEmpty();
            assertThat(deadLetters.values()).allMatch(r -> r.get("_is_deleted").equals("1"));
            assertThat(h.numKeyedStateEntries()).as("state left").isZero();
            h.close();
        }
    }

    private void send(ChangeRecord c) throws Exception {
        if (!c.table().equals(RevenueWorkload.REFUNDS)) {
            return;
        }
        h.processElement(new StreamRecord<>(c));
        for (RefundChange r : h.extractOutputValues()) {
            assertThat(r.lsn).isEqualTo(c.lsn());
            Map<String, String> refunds = byOrder.computeIfAbsent(r.orderId, k -> new TreeMap<>());
            if (r.present) {
                refunds.put(r.refundId, r.day + " " + r.amount);
            } else {
                assertThat(refunds.remove(r.refundId)).as("gone: %s", r).isNotNull();
                if (refunds.isEmpty()) {
                    byOrder.remove(r.orderId);
                }
            }
        }
        h.getOutput().clear();
        Queue<StreamRecord<AnalyticsRow>> side = h.getSideOutput(RefundFunction.DEAD_LETTERS);
        while (side != null && !side.isEmpty()) {
            AnalyticsRow r = side.poll().getValue();
            AnalyticsRow had = deadLetters.get(r.key);
            if (had == null || had.version <= r.version) {
                deadLetters.put(r.key, r);
            }
        }
    }

    /** Per order id, its usable refunds as the definition reads them: refund id → day amount. */
    private static Map<String, Map<String, String>> expected(RevenueWorkload w) {
        Map<String, Map<String, String>> out = new TreeMap<>();
        w.refunds.forEach(
                (id, row) -> {
                    RefundState r = RevenueWorkload.validRefund(row);
                    if (r != null) {
                        out.computeIfAbsent(r.orderId, k -> new TreeMap<>())
                                .put(id.toString(), r.day + " " + r.amount);
                    }
                });
        return out;
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange>
            harness(OperatorSubtaskState state) throws Exception {
        var harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new RefundFunction(RevenueWorkload.SCHEMA)),
                        RevenueWorkload.SCHEMA::refundKey,
                        Types.STRING);
        if (state != null) {
            harness.initializeState(state);
        }
        harness.open();
        return harness;
    }
}
