package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * analytics.revenue_daily end to end through its four operators (revenue-refunds, revenue-orders,
 * revenue-combine, revenue-daily) as the job wires them, against the definition ({@link
 * RevenueWorkload#expected}) over the tables as they stand: a snapshot with refunds before their
 * orders, then random inserts, in-place updates, deletes, unusable rows and fixes. Refund changes
 * reach the orders' operator late and in bursts, as through their own shuffle.
 *
 * <p>Half-way the job fails: a checkpoint is taken, more changes are processed (their rows never
 * reach ClickHouse: the sink writes only rows of completed checkpoints), and the operators are
 * restored from the checkpoint and read those changes again. Every row written after the restore
 * must outrank the rows of its key written before it, and the table, the newest row per key with
 * {@code _is_deleted = 0}, must equal the definition.
 */
class RevenuePipelineTest {

    /**
     * The four operators, the refunds in flight between two of them, and what reached ClickHouse.
     */
    static final class Pipeline implements AutoCloseable {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange> refunds;
        KeyedTwoInputStreamOperatorTestHarness<String, ChangeRecord, RefundChange, RevenueDelta>
                orders;
        OneInputStreamOperatorTestHarness<RevenueDelta, RevenueDelta> combine;
        KeyedOneInputStreamOperatorTestHarness<String, RevenueDelta, AnalyticsRow> daily;
        final Deque<RefundChange> inFlight = new ArrayDeque<>();
        final Random random;

        /** The daily rows emitted since the last checkpoint. */
        final List<AnalyticsRow> uncommitted = new ArrayList<>();

        /** What ClickHouse holds: the newest row per table and key. */
        final Map<String, AnalyticsRow> table = new TreeMap<>();

        /** Per row key, the highest LSN of a change that moved it. */
        final Map<String, Long> lsnByKey = new HashMap<>();

        private Map<String, Long> lsnByKeyAtCheckpoint = Map.of();

        long checkpoint;
        long now;

        Pipeline(long seed) throws Exception {
            random = new Random(seed);
            open(null);
        }

        void open(OperatorSubtaskState[] state) throws Exception {
            refunds =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(new RefundFunction(RevenueWorkload.SCHEMA)),
                            RevenueWorkload.SCHEMA::refundKey,
                            Types.STRING);
            orders =
                    new KeyedTwoInputStreamOperatorTestHarness<>(
                            new KeyedCoProcessOperator<>(
                                    new OrderRevenueFunction(RevenueWorkload.SCHEMA)),
                            RevenueWorkload.SCHEMA::orderKey,
                            (RefundChange r) -> r.orderId,
                            Types.STRING);
            combine = new OneInputStreamOperatorTestHarness<>(new RevenueCombiner());
            daily =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(new RevenueDailyFunction()),
                            RevenueDelta::key,
                            Types.STRING);
            if (state != null) {
                refunds.initializeState(state[0]);
                orders.initializeState(state[1]);
                combine.initializeState(state[2]);
                daily.initializeState(state[3]);
            }
            refunds.open();
            orders.open();
            combine.open();
            daily.open();
            combine.setProcessingTime(now);
        }

        void send(ChangeRecord c) throws Exception {
            if (c.table().equals(RevenueWorkload.REFUNDS)) {
                refunds.processElement(new StreamRecord<>(c));
                for (RefundChange r : refunds.extractOutputValues()) {
                    inFlight.add(r);
                }
                refunds.getOutput().clear();
                deadLetters(refunds.getSideOutput(RefundFunction.DEAD_LETTERS));
            } else {
                orders.processElement1(new StreamRecord<>(c));
                deadLetters(orders.getSideOutput(OrderRevenueFunction.DEAD_LETTERS));
            }
            // Refunds in flight arrive late, in bursts, in their order.
            if (random.nextInt(4) == 0) {
                deliver(random.nextInt(inFlight.size() + 1));
            }
            forwardDeltas();
            if (random.nextInt(50) == 0) {
                now += 1_000; // the combiner's flush timer
                combine.setProcessingTime(now);
                forwardDeltas();
            }
        }

        private void deliver(int n) throws Exception {
            for (int i = 0; i < n; i++) {
                orders.processElement2(new StreamRecord<>(inFlight.poll()));
            }
        }

        private void forwardDeltas() throws Exception {
            for (RevenueDelta d : orders.extractOutputValues()) {
                lsnByKey.merge(d.key(), d.lsn, Math::max);
                combine.processElement(new StreamRecord<>(d));
            }
            orders.getOutput().clear();
            for (RevenueDelta d : combine.extractOutputValues()) {
                daily.processElement(new StreamRecord<>(d));
            }
            combine.getOutput().clear();
            for (AnalyticsRow r : daily.extractOutputValues()) {
                assertThat(r.version)
                        .as("version of %s not below the LSN of the changes behind it", r)
                        .isGreaterThanOrEqualTo(lsnByKey.get(r.key));
                uncommitted.add(r);
            }
            daily.getOutput().clear();
        }

        /** Dead letters are written at once, as events are: a replay writes the same rows. */
        private void deadLetters(Queue<StreamRecord<AnalyticsRow>> side) {
            while (side != null && !side.isEmpty()) {
                keep(side.poll().getValue());
            }
        }

        private void keep(AnalyticsRow r) {
            String k = r.table + "|" + r.key;
            AnalyticsRow had = table.get(k);
            if (had != null && had.table.equals("revenue_daily")) {
                assertThat(r.version).as("%s written after %s", r, had).isGreaterThan(had.version);
            }
            if (had == null || had.version <= r.version) {
                table.put(k, r);
            }
        }

        /**
         * A checkpoint: the refunds before the barrier reach the orders' operator, the combiner
         * emits before it, and each operator's state is taken.
         */
        OperatorSubtaskState[] checkpoint() throws Exception {
            deliver(inFlight.size());
            forwardDeltas();
            combine.prepareSnapshotPreBarrier(++checkpoint);
            forwardDeltas();
            lsnByKeyAtCheckpoint = new HashMap<>(lsnByKey);
            return new OperatorSubtaskState[] {
                refunds.snapshot(checkpoint, now),
                orders.snapshot(checkpoint, now),
                combine.snapshot(checkpoint, now),
                daily.snapshot(checkpoint, now)
            };
        }

        /** The checkpoint completes: its rows reach ClickHouse. */
        void complete() {
            uncommitted.forEach(this::keep);
            uncommitted.clear();
        }

        /** A failure: what was processed since the checkpoint is lost, and restored from it. */
        void restore(OperatorSubtaskState[] state) throws Exception {
            close();
            inFlight.clear();
            uncommitted.clear();
            lsnByKey.clear();
            lsnByKey.putAll(lsnByKeyAtCheckpoint);
            open(state);
        }

        /** The table as read with FINAL: {@code day|currency → orders|gross|refunds|net}. */
        Map<String, String> revenue() {
            Map<String, String> out = new TreeMap<>();
            for (AnalyticsRow r : table.values()) {
                if (r.table.equals("revenue_daily") && r.get("_is_deleted").equals("0")) {
                    out.put(
                            r.get("day") + "|" + r.get("currency"),
                            r.get("orders")
                                    + "|"
                                    + plain(r.get("gross"))
                                    + "|"
                                    + plain(r.get("refunds"))
                                    + "|"
                                    + plain(r.get("net")));
                }
            }
            return out;
        }

        Set<String> deadLetters() {
            Set<String> out = new TreeSet<>();
            for (AnalyticsRow r : table.values()) {
                if (r.table.equals("dead_letters") && r.get("_is_deleted").equals("0")) {
                    assertThat(r.get("reason")).isNotEmpty();
                    out.add(r.get("source_table") + "|" + r.get("event_id"));
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            refunds.close();
            orders.close();
            combine.close();
            daily.close();
        }
    }

    private static String plain(String decimal) {
        return RevenueWorkload.plain(new BigDecimal(decimal));
    }

    @Test
    void revenueEqualsTheDefinitionThroughUpdatesDeletesRefundsFirstAndAFailure() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            RevenueWorkload w = new RevenueWorkload(seed);
            try (Pipeline p = new Pipeline(seed)) {
                for (ChangeRecord c : w.snapshot(300)) {
                    p.send(c);
                }
                for (int i = 0; i < 1500; i++) {
                    p.send(w.next());
                }
                OperatorSubtaskState[] state = p.checkpoint();
                p.complete();
                // Changes processed after the checkpoint, then a failure: read again.
                List<ChangeRecord> replayed = new ArrayList<>();
                for (int i = 0; i < 300; i++) {
                    replayed.add(w.next());
                }
                for (ChangeRecord c : replayed) {
                    p.send(c);
                }
                p.restore(state);
                for (ChangeRecord c : replayed) {
                    p.send(c);
                }
                for (int i = 0; i < 1500; i++) {
                    p.send(w.next());
                }
                p.checkpoint();
                p.complete();

                Map<String, String> expected = w.expected();
                assertThat(p.revenue()).as("seed %d", seed).isEqualTo(expected);
                assertThat(p.deadLetters()).as("seed %d", seed).isEqualTo(w.expectedDeadLetters());
                // The workload reached what it claims.
                assertThat(expected).hasSizeGreaterThan(8);
                assertThat(expected.values()).anyMatch(v -> v.startsWith("0|0|"));
                assertThat(w.expectedDeadLetters()).isNotEmpty();

                // Everything deleted: every row deleted, and no order or refund state left.
                for (ChangeRecord c : w.deleteAll()) {
                    p.send(c);
                }
                p.checkpoint();
                p.complete();
                assertThat(p.revenue()).isEmpty();
                assertThat(p.deadLetters()).isEmpty();
                assertThat(p.refunds.numKeyedStateEntries()).isZero();
                assertThat(p.orders.numKeyedStateEntries()).isZero();
            }
        }
    }
}
