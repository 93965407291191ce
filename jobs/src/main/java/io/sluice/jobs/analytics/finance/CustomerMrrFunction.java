package io.sluice.jobs.analytics.finance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by customer id: keeps the customer's subscriptions and emits what they add to
 * analytics.mrr_daily as sparse {@link MrrDelta}s, only at the days where the customer's MRR or
 * active subscriptions change (definitions: docs/finance.md).
 *
 * <p>A subscription is active on day d when {@code start ≤ d < end}. The customer's MRR on d is the
 * sum over their active subscriptions, a step function of d that changes only at the starts and
 * ends. At each such day the customer adds: the change of MRR and of active subscriptions (levels,
 * which hold for every day after), and the movement from the day before: new (0 → more), expansion
 * (more than 0, up), contraction (more than 0, down to more than 0), churned (more than 0 → 0, as a
 * positive amount); and 1 start at each subscription's start day. A change of a subscription emits
 * the difference between what the customer adds after it and before it, per day, with the change's
 * LSN.
 *
 * <p>State: the customer's subscriptions (id → start, end, MRR), kept while they exist.
 */
@Internal
public final class CustomerMrrFunction
        extends KeyedProcessFunction<String, SubscriptionChange, MrrDelta> {
    private static final long serialVersionUID = 1L;

    /** Values per day: {mrr, active, new, expansion, contraction, churned, starts}. */
    static final int VALUES = 7;

    private transient MapState<String, long[]> subscriptions;

    @Override
    public void open(OpenContext openContext) {
        subscriptions =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "subscriptions",
                                        Types.STRING,
                                        PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    @Override
    public void processElement(SubscriptionChange c, Context ctx, Collector<MrrDelta> out)
            throws Exception {
        List<long[]> before = new ArrayList<>();
        for (long[] s : subscriptions.values()) {
            before.add(s);
        }
        if (c.present) {
            subscriptions.put(c.subscriptionId, new long[] {c.startDay, c.endDay, c.mrr});
        } else {
            subscriptions.remove(c.subscriptionId);
        }
        List<long[]> after = new ArrayList<>();
        for (long[] s : subscriptions.values()) {
            after.add(s);
        }
        Map<Long, long[]> d = contributions(after);
        for (Map.Entry<Long, long[]> e : contributions(before).entrySet()) {
            long[] v = d.computeIfAbsent(e.getKey(), k -> new long[VALUES]);
            for (int i = 0; i < VALUES; i++) {
                v[i] -= e.getValue()[i];
            }
        }
        for (Map.Entry<Long, long[]> e : d.entrySet()) {
            if (!allZero(e.getValue())) {
                out.collect(new MrrDelta(e.getKey(), e.getValue(), c.lsn));
            }
        }
    }

    /** What a customer with these subscriptions ({start, end, mrr}) adds, per day. */
    static Map<Long, long[]> contributions(List<long[]> subs) {
        Map<Long, long[]> out = new TreeMap<>();
        TreeSet<Long> days = new TreeSet<>();
        for (long[] s : subs) {
            out.computeIfAbsent(s[0], k -> new long[VALUES])[6] += 1;
            if (s[0] < s[1]) {
                days.add(s[0]);
                if (s[1] != Long.MAX_VALUE) {
                    days.add(s[1]);
                }
            }
        }
        long mrr = 0;
        long active = 0;
        for (long day : days) {
            long m = 0;
            long a = 0;
            for (long[] s : subs) {
                if (s[0] <= day && day < s[1]) {
                    m += s[2];
                    a++;
                }
            }
            if (m == mrr && a == active) {
                continue;
            }
            long[] v = out.computeIfAbsent(day, k -> new long[VALUES]);
            v[0] += m - mrr;
            v[1] += a - active;
            if (mrr == 0 && m > 0) {
                v[2] += m;
            } else if (mrr > 0 && m > mrr) {
                v[3] += m - mrr;
            } else if (mrr > 0 && m > 0 && m < mrr) {
                v[4] += mrr - m;
            } else if (mrr > 0 && m == 0) {
                v[5] += mrr;
            }
            mrr = m;
            active = a;
        }
        return out;
    }

    private static boolean allZero(long[] v) {
        for (long x : v) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
