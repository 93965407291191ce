package io.sluice.jobs.analytics.operators;

import io.sluice.common.config.FunnelDefinition;
import io.sluice.common.config.FunnelDefinition.Mode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Funnels straight from their definition, by brute force and apart from {@link FunnelMatcher}:
 * every attempt of every user is followed, ORDERED ones by trying every chain of events (the
 * longest wins, then the one whose steps come earliest).
 */
final class FunnelBruteForce {
    private FunnelBruteForce() {}

    static final long DAY_US = 86_400_000_000L;

    /** An event as the definition sees it. */
    record Ev(String id, String user, long us, String name, Map<String, String> props) {}

    static final Comparator<Ev> ORDER =
            Comparator.comparingLong(Ev::us).thenComparing(Ev::id, Comparator.naturalOrder());

    static boolean matches(FunnelDefinition.Step step, Ev e) {
        if (!step.eventName().equals(e.name())) {
            return false;
        }
        for (Map.Entry<String, String> f : step.filters().entrySet()) {
            if (!f.getValue().equals(e.props().get(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** Per user, per day: the microseconds to each step of the day's best attempt. */
    static Map<String, Map<Long, long[]>> bestAttempts(FunnelDefinition f, List<Ev> all) {
        Map<String, List<Ev>> byUser = new TreeMap<>();
        for (Ev e : all) {
            byUser.computeIfAbsent(e.user(), u -> new ArrayList<>()).add(e);
        }
        Map<String, Map<Long, long[]>> out = new TreeMap<>();
        for (Map.Entry<String, List<Ev>> u : byUser.entrySet()) {
            List<Ev> evs = new ArrayList<>(u.getValue());
            evs.sort(ORDER);
            Map<Long, long[]> days = new TreeMap<>();
            for (int i = 0; i < evs.size(); i++) {
                if (!matches(f.steps().get(0), evs.get(i))) {
                    continue;
                }
                long[] attempt = f.mode() == Mode.STRICT ? strict(f, evs, i) : ordered(f, evs, i);
                long day = Math.floorDiv(evs.get(i).us(), DAY_US);
                long[] before = days.get(day);
                if (before == null || attempt.length > before.length) {
                    days.put(day, attempt);
                }
            }
            if (!days.isEmpty()) {
                out.put(u.getKey(), days);
            }
        }
        return out;
    }

    private static long[] strict(FunnelDefinition f, List<Ev> evs, int start) {
        long t1 = evs.get(start).us();
        List<Long> path = new ArrayList<>(List.of(0L));
        for (int s = 1; s < f.steps().size(); s++) {
            int j = start + s;
            if (j >= evs.size()
                    || !matches(f.steps().get(s), evs.get(j))
                    || evs.get(j).us() > t1 + f.windowUs()) {
                break;
            }
            path.add(evs.get(j).us() - t1);
        }
        return path.stream().mapToLong(Long::longValue).toArray();
    }

    /** Every chain from {@code start}; the longest, then the lexicographically earliest, wins. */
    private static long[] ordered(FunnelDefinition f, List<Ev> evs, int start) {
        List<int[]> chains = new ArrayList<>();
        extend(f, evs, new int[] {start}, chains);
        int[] best = null;
        for (int[] c : chains) {
            if (best == null
                    || c.length > best.length
                    || (c.length == best.length && java.util.Arrays.compare(c, best) < 0)) {
                best = c;
            }
        }
        long[] out = new long[best.length];
        for (int s = 0; s < best.length; s++) {
            out[s] = evs.get(best[s]).us() - evs.get(start).us();
        }
        return out;
    }

    private static void extend(FunnelDefinition f, List<Ev> evs, int[] chain, List<int[]> out) {
        out.add(chain);
        int s = chain.length;
        if (s == f.steps().size()) {
            return;
        }
        long deadline = evs.get(chain[0]).us() + f.windowUs();
        for (int j = chain[s - 1] + 1; j < evs.size(); j++) {
            if (matches(f.steps().get(s), evs.get(j)) && evs.get(j).us() <= deadline) {
                int[] longer = java.util.Arrays.copyOf(chain, s + 1);
                longer[s] = j;
                extend(f, evs, longer, out);
            }
        }
    }

    /**
     * funnel_daily by definition, as "day step users median_micros" for every (day, step) with at
     * least one user.
     */
    static List<String> daily(FunnelDefinition f, List<Ev> all) {
        Map<String, List<Long>> times = new TreeMap<>();
        for (Map<Long, long[]> days : bestAttempts(f, all).values()) {
            for (Map.Entry<Long, long[]> d : days.entrySet()) {
                for (int s = 1; s <= d.getValue().length; s++) {
                    times.computeIfAbsent(d.getKey() + " " + s, k -> new ArrayList<>())
                            .add(d.getValue()[s - 1]);
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Long>> t : times.entrySet()) {
            List<Long> v = new ArrayList<>(t.getValue());
            v.sort(null);
            int n = v.size();
            out.add(t.getKey() + " " + n + " " + v.get((n + 1) / 2 - 1));
        }
        out.sort(null);
        return out;
    }
}
