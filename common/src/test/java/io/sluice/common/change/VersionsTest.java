package io.sluice.common.change;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The version scheme against a model of its users: a WAL that only grows, ClickHouse as a
 * ReplacingMergeTree (per key, the row with the highest version; on a tie the later insert), and
 * runs that stream, restart, resync and re-emit rollups. The truth is the value of each key after
 * the last change; after every run, ClickHouse must hold exactly it.
 */
class VersionsTest {

    /** ClickHouse's ReplacingMergeTree(_version) read with FINAL. */
    static final class ReplacingTable {
        final Map<String, long[]> rows = new HashMap<>(); // key -> {version, value, deleted}
        long maxVersion = Versions.NONE;

        void insert(String key, long version, long value, boolean deleted) {
            long[] old = rows.get(key);
            if (old == null || old[0] <= version) {
                rows.put(key, new long[] {version, value, deleted ? 1 : 0});
            }
            maxVersion = Math.max(maxVersion, version);
        }

        Map<String, Long> live() {
            Map<String, Long> m = new HashMap<>();
            rows.forEach(
                    (k, r) -> {
                        if (r[2] == 0 && r[1] != 0) {
                            m.put(k, r[1]);
                        }
                    });
            return m;
        }
    }

    @Test
    void nextIsAboveThePreviousAndNeverBelowTheChange() {
        assertThat(Versions.next(Versions.NONE, 500)).isEqualTo(500);
        assertThat(Versions.next(500, 500)).isEqualTo(501);
        assertThat(Versions.next(900, 600)).isEqualTo(901);
        assertThat(Versions.next(900, 5_000)).isEqualTo(5_000);
        assertThatThrownBy(() -> Versions.next(Long.MAX_VALUE, 1))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void theResyncAnchorClearsEveryVersionWritten() {
        assertThat(Versions.paddingBytes(1_000, 10)).isZero();
        long lsn = 1_000;
        long maxWritten = 1_500; // rollups re-emitted 500 times at one snapshot anchor
        long anchor = lsn + Versions.paddingBytes(lsn, maxWritten);
        assertThat(Versions.retired(anchor)).isGreaterThan(maxWritten);
        assertThatThrownBy(() -> Versions.retired(1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLaterChangeAlwaysOutranksAnEarlierOneAcrossRunsAndResyncs() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            long wal = 100 + random.nextInt(1_000);
            Map<String, Long> truth = new HashMap<>(); // the Postgres table: key -> value
            ReplacingTable mirror = new ReplacingTable();
            ReplacingTable rollup = new ReplacingTable(); // one count per key bucket
            Map<String, Long> rollupVersion = new HashMap<>(); // the rollup operator's state
            boolean hasState = false;
            for (int run = 0; run < 8; run++) {
                // Between runs the database changes, and nothing is captured while the job is down
                // unless the slot survives (then those changes are streamed on resume).
                boolean slotLost = random.nextInt(4) == 0;
                boolean fresh = !hasState || slotLost || random.nextInt(3) == 0;
                Map<String, Long> whileDown = new HashMap<>();
                for (int i = random.nextInt(6); i > 0; i--) {
                    String key = "k" + random.nextInt(12);
                    long value = random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(1000);
                    wal += 24 + random.nextInt(200);
                    truth.put(key, value);
                    whileDown.put(key, wal);
                }
                if (fresh) {
                    // Resync: anchor above every version written, retire everything, snapshot.
                    long max = Math.max(mirror.maxVersion, rollup.maxVersion);
                    wal += 60 + Versions.paddingBytes(wal + 60, max); // the anchor message
                    long anchor = wal;
                    for (String k : Map.copyOf(mirror.rows).keySet()) {
                        mirror.insert(k, Versions.retired(anchor), 0, true);
                    }
                    for (String k : Map.copyOf(rollup.rows).keySet()) {
                        rollup.insert(k, Versions.retired(anchor), 0, false);
                    }
                    rollupVersion.clear();
                    for (Map.Entry<String, Long> e : truth.entrySet()) {
                        if (e.getValue() != 0) {
                            mirror.insert(e.getKey(), anchor, e.getValue(), false);
                            // a rollup row re-emitted once per snapshot row of its bucket
                            emitRollup(rollup, rollupVersion, bucket(e.getKey()), truth, anchor);
                        }
                    }
                } else {
                    // Resume: the changes made while down are streamed at their own LSNs.
                    for (Map.Entry<String, Long> e : whileDown.entrySet()) {
                        long v = truth.get(e.getKey());
                        mirror.insert(e.getKey(), e.getValue(), v, v == 0);
                        emitRollup(rollup, rollupVersion, bucket(e.getKey()), truth, e.getValue());
                    }
                }
                hasState = true;
                // Streaming: changes at growing LSNs, some replayed after a failover.
                for (int i = random.nextInt(20); i > 0; i--) {
                    String key = "k" + random.nextInt(12);
                    long value = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(1000);
                    wal += 24 + random.nextInt(200);
                    truth.put(key, value);
                    int times = random.nextInt(5) == 0 ? 2 : 1; // a replay writes it again
                    for (int t = 0; t < times; t++) {
                        mirror.insert(key, wal, value, value == 0);
                        emitRollup(rollup, rollupVersion, bucket(key), truth, wal);
                    }
                }
                Map<String, Long> expected = new HashMap<>();
                truth.forEach(
                        (k, v) -> {
                            if (v != 0) {
                                expected.put(k, v);
                            }
                        });
                assertThat(mirror.live())
                        .as("trial %d run %d mirror", trial, run)
                        .isEqualTo(expected);
                assertThat(rollup.live())
                        .as("trial %d run %d rollup", trial, run)
                        .isEqualTo(rollupTruth(truth));
            }
        }
    }

    private static String bucket(String key) {
        return "b" + (Integer.parseInt(key.substring(1)) % 3);
    }

    private static void emitRollup(
            ReplacingTable rollup,
            Map<String, Long> versions,
            String bucket,
            Map<String, Long> truth,
            long lsn) {
        long v = Versions.next(versions.getOrDefault(bucket, Versions.NONE), lsn);
        versions.put(bucket, v);
        rollup.insert(bucket, v, rollupTruth(truth).getOrDefault(bucket, 0L), false);
    }

    private static Map<String, Long> rollupTruth(Map<String, Long> truth) {
        Map<String, Long> sums = new HashMap<>();
        truth.forEach(
                (k, v) -> {
                    if (v != 0) {
                        sums.merge(bucket(k), 1L, Long::sum);
                    }
                });
        return sums;
    }
}
