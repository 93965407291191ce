package io.sluice.bench;

import io.sluice.testkit.TestServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commit-to-visible delay: a writer commits a batch of events every 100 ms (rate / 10 events, named
 * {@code fresh_<batch>}); a reader polls analytics.events every 100 ms and, when a batch is
 * complete there, records the delay since its commit. The poll interval bounds the resolution. The
 * same poll reads {@code events_per_minute} as a dashboard does ({@code FINAL}): a batch is visible
 * in the rollup when its name's counts there add up to the batch.
 */
final class Freshness {
    /** One batch: when it was committed (seconds since the start) and how long until visible. */
    record Sample(double committedAtSeconds, long delayMs, int events) {}

    /** The outcome: samples and the events actually written per second. */
    record Result(
            List<Sample> samples,
            List<Sample> rollupSamples,
            double writtenPerSecond,
            long events) {}

    private Freshness() {}

    static Result measure(TestServers servers, String pgDb, String anDb, int rate, int seconds)
            throws Exception {
        int perBatch = Math.max(1, rate / 10);
        Map<Integer, Long> committed = new ConcurrentHashMap<>();
        AtomicLong written = new AtomicLong();
        long start = System.currentTimeMillis();
        ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
        Connection pg = Ceilings.connect(servers, pgDb);
        PreparedStatement insert =
                pg.prepareStatement(
                        "INSERT INTO events (event_id, user_id, occurred_at, event_name, properties)"
                                + " SELECT gen_random_uuid(), 100000 + (i % 1000), clock_timestamp(),"
                                + " ?, '{}'::jsonb FROM generate_series(1, ?) i");
        int[] batch = {0};
        writer.scheduleAtFixedRate(
                () -> {
                    try {
                        int b = batch[0]++;
                        insert.setString(1, "fresh_" + b);
                        insert.setInt(2, perBatch);
                        insert.executeUpdate();
                        committed.put(b, System.currentTimeMillis());
                        written.addAndGet(perBatch);
                    } catch (Exception e) {
                        throw new IllegalStateException("freshness writer failed", e);
                    }
                },
                0,
                100,
                TimeUnit.MILLISECONDS);

        List<Sample> samples = new ArrayList<>();
        Map<Integer, Boolean> seen = new HashMap<>();
        List<Sample> rollupSamples = new ArrayList<>();
        Map<Integer, Boolean> seenInRollup = new HashMap<>();
        long stopWriting = start + seconds * 1000L;
        long giveUp = stopWriting + 120_000L;
        boolean writing = true;
        while (true) {
            long now = System.currentTimeMillis();
            if (writing && now >= stopWriting) {
                writer.shutdown();
                writer.awaitTermination(10, TimeUnit.SECONDS);
                writing = false;
            }
            String rows =
                    servers.clickhouse()
                            .query(
                                    "SELECT event_name, count() FROM "
                                            + anDb
                                            + ".events WHERE event_name LIKE 'fresh\\\\_%'"
                                            + " GROUP BY event_name");
            long visibleAt = System.currentTimeMillis();
            collect(rows, visibleAt, start, perBatch, committed, seen, samples);
            String rolled =
                    servers.clickhouse()
                            .query(
                                    "SELECT event_name, sum(events) FROM "
                                            + anDb
                                            + ".events_per_minute FINAL"
                                            + " WHERE event_name LIKE 'fresh\\_%'"
                                            + " GROUP BY event_name");
            collect(
                    rolled,
                    System.currentTimeMillis(),
                    start,
                    perBatch,
                    committed,
                    seenInRollup,
                    rollupSamples);
            if (!writing
                    && seen.size() >= committed.size()
                    && seenInRollup.size() >= committed.size()) {
                break;
            }
            if (now > giveUp) {
                throw new IllegalStateException(
                        (committed.size() - seen.size())
                                + " freshness batches never became visible in analytics.events, "
                                + (committed.size() - seenInRollup.size())
                                + " never in events_per_minute");
            }
            Thread.sleep(100); // the poll interval
        }
        pg.close();
        samples.sort((a, b) -> Double.compare(a.committedAtSeconds(), b.committedAtSeconds()));
        rollupSamples.sort(
                (a, b) -> Double.compare(a.committedAtSeconds(), b.committedAtSeconds()));
        return new Result(samples, rollupSamples, written.get() / (double) seconds, written.get());
    }

    /** Records each batch of {@code rows} (name, count) that is complete and not seen before. */
    private static void collect(
            String rows,
            long visibleAt,
            long start,
            int perBatch,
            Map<Integer, Long> committed,
            Map<Integer, Boolean> seen,
            List<Sample> samples) {
        for (String line : rows.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split("\t");
            int b = Integer.parseInt(f[0].substring("fresh_".length()));
            Long at = committed.get(b);
            if (at != null && !seen.containsKey(b) && Long.parseLong(f[1]) >= perBatch) {
                seen.put(b, true);
                samples.add(new Sample((at - start) / 1000.0, visibleAt - at, perBatch));
            }
        }
    }

    /** The q-quantile (0..1) of the delays, nearest rank. */
    static long percentile(List<Sample> samples, double q) {
        List<Long> delays = new ArrayList<>();
        for (Sample s : samples) {
            delays.add(s.delayMs());
        }
        delays.sort(Long::compare);
        int rank = (int) Math.ceil(q * delays.size()) - 1;
        return delays.get(Math.max(0, Math.min(delays.size() - 1, rank)));
    }
}
