package io.sluice.jobs.analytics.finance;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.common.change.ChangeRecord;
import io.sluice.jobs.analytics.model.AnalyticsRow;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * analytics.mrr_daily through its three operators (mrr-subscriptions, mrr-customers, mrr-daily) as
 * the job wires them, against the definition ({@link MrrWorkload#expected}: every day from the
 * first start to the clock's day, each customer's MRR that day and the day before, summed) over the
 * table as it stands: a snapshot, then random new subscriptions, MRR changes, cancellations, moved
 * starts and customers, deletes, unusable rows and fixes, while the event-time clock moves across
 * the days (the subscriptions' input is idle, as in the job).
 *
 * <p>Half-way the job fails: a checkpoint is taken, more changes and a clock day are processed
 * (their rows never reach ClickHouse), and the operators are restored and read those changes again,
 * the clock starting from nothing until its next watermark. Every row must outrank the one before
 * it, no version may be below the LSN of a change behind it, and the table must equal the
 * definition for the clock's day.
 */
class MrrPipelineTest {

    static final class Pipeline implements AutoCloseable {
        KeyedOneInputStreamOperatorTestHarness<String, ChangeRecord, SubscriptionChange> subs;
        KeyedOneInputStreamOperatorTestHarness<String, SubscriptionChange, MrrDelta> customers;
        KeyedTwoInputStreamOperatorTestHarness<String, MrrDelta, Long, AnalyticsRow> daily;
        final List<AnalyticsRow> uncommitted = new ArrayList<>();
        final Map<String, AnalyticsRow> table = new TreeMap<>();
        long maxLsn;
        long now;

        Pipeline() throws Exception {
            open(null);
        }

        void open(OperatorSubtaskState[] state) throws Exception {
            subs =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(
                                    new SubscriptionFunction(MrrWorkload.SCHEMA)),
                            MrrWorkload.SCHEMA::subscriptionKey,
                            Types.STRING);
            customers =
                    new KeyedOneInputStreamOperatorTestHarness<>(
                            new KeyedProcessOperator<>(new CustomerMrrFunction()),
                            (SubscriptionChange c) -> c.customerId,
                            Types.STRING);
            daily =
                    new KeyedTwoInputStreamOperatorTestHarness<>(
                            new KeyedCoProcessOperator<>(new MrrDailyFunction()),
                            (MrrDelta d) -> MrrDailyFunction.KEY,
                            (Long c) -> MrrDailyFunction.KEY,
                            Types.STRING);
            if (state != null) {
                subs.initializeState(state[0]);
                customers.initializeState(state[1]);
                daily.initializeState(state[2]);
            }
            subs.open();
            customers.open();
            daily.open();
            daily.setProcessingTime(now);
            daily.processWatermarkStatus1(WatermarkStatus.IDLE); // no event time on this input
        }

        void send(ChangeRecord c) throws Exception {
            subs.processElement(new StreamRecord<>(c));
            for (SubscriptionChange s : subs.extractOutputValues()) {
                customers.processElement(new StreamRecord<>(s));
            }
            subs.getOutput().clear();
            Queue<StreamRecord<AnalyticsRow>> dead =
                    subs.getSideOutput(SubscriptionFunction.DEAD_LETTERS);
            while (dead != null && !dead.isEmpty()) {
                keep(dead.poll().getValue());
            }
            for (MrrDelta d : customers.extractOutputValues()) {
                assertThat(d.lsn).isEqualTo(c.lsn());
                maxLsn = Math.max(maxLsn, d.lsn);
                daily.processElement1(new StreamRecord<>(d));
            }
            customers.getOutput().clear();
            collect();
        }

        /** The events' clock reaches {@code day} (a moment into it). */
        void clock(LocalDate day, long ms) throws Exception {
            daily.processWatermark2(new Watermark(day.toEpochDay() * 86_400_000L + ms));
            collect();
        }

        void tick() throws Exception {
            now += 1_000;
            daily.setProcessingTime(now);
            collect();
        }

        private void collect() {
            for (Object o : daily.getOutput()) {
                if (o instanceof StreamRecord<?> r) {
                    AnalyticsRow row = (AnalyticsRow) r.getValue();
                    assertThat(row.version).isGreaterThanOrEqualTo(maxLsn);
                    uncommitted.add(row);
                }
            }
            daily.getOutput().clear();
        }

        private void keep(AnalyticsRow r) {
            String k = r.table + "|" + r.key;
            AnalyticsRow had = table.get(k);
            if (had != null && r.table.equals("mrr_daily")) {
                assertThat(r.version).as("%s after %s", r, had).isGreaterThan(had.version);
            }
            if (had == null || had.version <= r.version) {
                table.put(k, r);
            }
        }

        OperatorSubtaskState[] checkpoint(long id) throws Exception {
            return new OperatorSubtaskState[] {
                subs.snapshot(id, now), customers.snapshot(id, now), daily.snapshot(id, now)
            };
        }

        void complete() {
            uncommitted.forEach(this::keep);
            uncommitted.clear();
        }

        void restore(OperatorSubtaskState[] state, long lsnAtCheckpoint) throws Exception {
            close();
            uncommitted.clear();
            maxLsn = lsnAtCheckpoint;
            open(state);
        }

        Map<String, String> mrr() {
            Map<String, String> out = new TreeMap<>();
            for (AnalyticsRow r : table.values()) {
                if (r.table.equals("mrr_daily") && r.get("_is_deleted").equals("0")) {
                    out.put(
                            r.get("day"),
                            plain(r.get("mrr"))
                                    + "|"
                                    + plain(r.get("new_mrr"))
                                    + "|"
                                    + plain(r.get("expansion_mrr"))
                                    + "|"
                                    + plain(r.get("contraction_mrr"))
                                    + "|"
                                    + plain(r.get("churned_mrr"))
                                    + "|"
                                    + r.get("active_subscriptions"));
                }
            }
            return out;
        }

        List<String> deadLetters() {
            List<String> out = new ArrayList<>();
            for (AnalyticsRow r : table.values()) {
                if (r.table.equals("dead_letters") && r.get("_is_deleted").equals("0")) {
                    out.add(r.get("source_table") + "|" + r.get("event_id"));
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            subs.close();
            customers.close();
            daily.close();
        }
    }

    private static String plain(String decimal) {
        return RevenueWorkload.plain(new BigDecimal(decimal));
    }

    @Test
    void mrrAndItsMovementsEqualTheDefinitionUpToTheClocksDayThroughAFailure() throws Exception {
        for (long seed = 41; seed <= 46; seed++) {
            MrrWorkload w = new MrrWorkload(seed);
            Random random = new Random(seed);
            try (Pipeline p = new Pipeline()) {
                for (ChangeRecord c : w.snapshot(60)) {
                    p.send(c);
                }
                LocalDate clock = MrrWorkload.D0.plusDays(10);
                p.tick();
                assertThat(p.uncommitted).as("no clock yet: nothing reported").isEmpty();
                p.clock(clock, random.nextInt(86_400_000));
                for (int i = 0; i < 600; i++) {
                    p.send(w.next());
                    if (random.nextInt(20) == 0) {
                        p.tick();
                    }
                    if (random.nextInt(30) == 0) {
                        clock = clock.plusDays(1 + random.nextInt(2));
                        p.clock(clock, random.nextInt(86_400_000));
                    }
                }
                p.tick();
                OperatorSubtaskState[] state = p.checkpoint(1);
                long lsnAtCheckpoint = p.maxLsn;
                LocalDate clockAtCheckpoint = clock;
                p.complete();
                assertThat(p.mrr()).as("seed %d", seed).isEqualTo(w.expected(clock));

                List<ChangeRecord> replayed = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    replayed.add(w.next());
                }
                for (ChangeRecord c : replayed) {
                    p.send(c);
                }
                p.clock(clock.plusDays(1), 0);
                p.tick(); // rows never committed: the job fails
                p.restore(state, lsnAtCheckpoint);
                for (ChangeRecord c : replayed) {
                    p.send(c);
                }
                p.tick(); // written before the clock's next watermark: the restored day
                clock = clockAtCheckpoint.plusDays(2);
                p.clock(clock, 5);
                for (int i = 0; i < 600; i++) {
                    p.send(w.next());
                    if (random.nextInt(20) == 0) {
                        p.tick();
                    }
                    if (random.nextInt(30) == 0) {
                        clock = clock.plusDays(1);
                        p.clock(clock, random.nextInt(86_400_000));
                    }
                }
                p.tick();
                p.complete();
                Map<String, String> expected = w.expected(clock);
                assertThat(p.mrr()).as("seed %d", seed).isEqualTo(expected);
                assertThat(p.deadLetters()).isEqualTo(w.expectedDeadLetters());
                assertThat(expected.values())
                        .as("every movement occurs")
                        .anyMatch(v -> !v.split("\\|")[1].equals("0"))
                        .anyMatch(v -> !v.split("\\|")[2].equals("0"))
                        .anyMatch(v -> !v.split("\\|")[3].equals("0"))
                        .anyMatch(v -> !v.split("\\|")[4].equals("0"));

                // Everything deleted: no day is reported any more, and only the table's state
                // (versions, days written, the clock) is left.
                for (ChangeRecord c : w.deleteAll()) {
                    p.send(c);
                }
                p.tick();
                p.complete();
                assertThat(p.mrr()).isEmpty();
                assertThat(p.subs.numKeyedStateEntries()).isZero();
                assertThat(p.customers.numKeyedStateEntries()).isZero();
            }
        }
    }
}
