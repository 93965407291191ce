package io.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the CPU of one benchmark phase went, by stage: each Flink task (all its subtasks), the
 * checkpoints' asynchronous snapshot threads, the CDC reader threads, garbage collection, RocksDB's
 * background threads, the JIT, and the Postgres and ClickHouse servers on the same machine.
 *
 * <p>Java threads are sampled every 500 ms (a thread that ends keeps its last sample); the JVM's
 * native threads (garbage collector, RocksDB) and the servers are read from /proc. On a CPU-bound
 * machine the stage with the most CPU is the bottleneck; the report names it in every run.
 */
final class StageCpu implements AutoCloseable {
    private static final Pattern SUBTASK = Pattern.compile("\\s*\\(\\d+/\\d+\\)(#\\d+)?$");
    private static final Pattern NUMBERED = Pattern.compile("[-#]?\\d+$");

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<Long, Long> startCpu = new HashMap<>();
    private final Map<Long, Long> lastCpu = new HashMap<>();
    private final Map<Long, String> names = new HashMap<>();
    private final Map<String, Long> serversAtStart;
    private final Map<String, Long> nativeAtStart = new HashMap<>();
    private final Map<String, Long> nativeLast = new HashMap<>();
    private final long processAtStart;
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService sampler;

    private StageCpu() {
        for (ThreadInfo t : threads.dumpAllThreads(false, false)) {
            long cpu = threads.getThreadCpuTime(t.getThreadId());
            if (cpu >= 0) {
                startCpu.put(t.getThreadId(), cpu);
            }
        }
        serversAtStart = serverCpu();
        nativeAtStart.putAll(nativeThreadTicks());
        processAtStart = processCpu();
        sampler =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "bench-stage-cpu");
                            t.setDaemon(true);
                            return t;
                        });
        sampler.scheduleAtFixedRate(this::sample, 0, 500, TimeUnit.MILLISECONDS);
    }

    static StageCpu start() {
        return new StageCpu();
    }

    private synchronized void sample() {
        nativeLast.putAll(nativeThreadTicks());
        for (ThreadInfo t : threads.dumpAllThreads(false, false)) {
            long cpu = threads.getThreadCpuTime(t.getThreadId());
            if (cpu >= 0) {
                lastCpu.put(t.getThreadId(), cpu);
                names.put(t.getThreadId(), t.getThreadName());
            }
        }
    }

    /**
     * CPU seconds by stage, largest first, and {@code wall_seconds}; stages under 1 % of the total
     * are summed into "other threads".
     */
    synchronized Map<String, Double> stop() {
        sampler.shutdownNow();
        sample();
        double wall = (System.nanoTime() - startNanos) / 1e9;
        Map<String, Double> byStage = new HashMap<>();
        double javaThreads = 0;
        for (Map.Entry<Long, Long> e : lastCpu.entrySet()) {
            double s = (e.getValue() - startCpu.getOrDefault(e.getKey(), 0L)) / 1e9;
            if (s > 0) {
                byStage.merge(stage(names.get(e.getKey())), s, Double::sum);
                javaThreads += s;
            }
        }
        double process = (processCpu() - processAtStart) / 1e9;
        Map<String, Double> nativeByStage = new HashMap<>();
        for (Map.Entry<String, Long> e : nativeLast.entrySet()) {
            String stage = e.getKey().split(" ", 2)[1];
            long before = nativeAtStart.getOrDefault(e.getKey(), 0L);
            nativeByStage.merge(stage, (e.getValue() - before) / 100.0, Double::sum);
        }
        double nativeThreads = 0;
        for (Map.Entry<String, Double> e : nativeByStage.entrySet()) {
            byStage.put(e.getKey(), e.getValue());
            nativeThreads += e.getValue();
        }
        byStage.put(
                "JVM other (JIT, ended threads)",
                Math.max(0, process - javaThreads - nativeThreads));
        Map<String, Long> servers = serverCpu();
        for (Map.Entry<String, Long> e : servers.entrySet()) {
            long before = serversAtStart.getOrDefault(e.getKey(), 0L);
            byStage.put(e.getKey() + " server", Math.max(0, e.getValue() - before) / 100.0);
        }
        double total = byStage.values().stream().mapToDouble(Double::doubleValue).sum();
        Map<String, Double> out = new LinkedHashMap<>();
        double small = 0;
        for (Map.Entry<String, Double> e :
                byStage.entrySet().stream()
                        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                        .toList()) {
            if (e.getValue() < 0.01 * total) {
                small += e.getValue();
            } else {
                out.put(e.getKey(), round(e.getValue()));
            }
        }
        out.put("other threads", round(small));
        out.put("wall_seconds", round(wall));
        return out;
    }

    /** The Flink task, or the thread pool, a thread belongs to. */
    static String stage(String thread) {
        if (thread == null) {
            return "unknown";
        }
        if (thread.startsWith("AsyncOperations")) {
            return "checkpoint async snapshots";
        }
        if (thread.startsWith("C1 Compiler") || thread.startsWith("C2 Compiler")) {
            return "JIT compiler";
        }
        String name = SUBTASK.matcher(thread).replaceFirst("");
        if (name.length() == thread.length()) {
            name = NUMBERED.matcher(name).replaceFirst("");
        }
        return name.length() > 70 ? name.substring(0, 67) + "..." : name;
    }

    private static double round(double v) {
        return Math.round(v * 10) / 10.0;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Clock ticks (1/100 s) of this JVM's threads that are not Java threads, keyed by "tid stage":
     * the garbage collector and RocksDB's background compactions and flushes.
     */
    private static Map<String, Long> nativeThreadTicks() {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : tasks.toList()) {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String stage =
                            comm.startsWith("GC Thread")
                                            || comm.startsWith("G1 ")
                                            || comm.equals("VM Thread")
                                    ? "JVM garbage collection"
                                    : comm.startsWith("rocksdb:")
                                            ? "RocksDB compaction and flush"
                                            : null;
                    if (stage != null) {
                        ticks.put(t.getFileName() + " " + stage, ticks(stat));
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException notLinux) {
            // no /proc: these stay in "JVM other"
        }
        return ticks;
    }

    /** utime + stime of a /proc stat line (fields 14 and 15; 12 and 13 after the name). */
    private static long ticks(String stat) {
        List<String> f = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
        return Long.parseLong(f.get(11)) + Long.parseLong(f.get(12));
    }

    /** Clock ticks (1/100 s) of all processes named postgres or clickhouse-server. */
    private static Map<String, Long> serverCpu() {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.toList()) {
                if (!p.getFileName().toString().chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String server =
                            comm.startsWith("clickhouse")
                                    ? "ClickHouse"
                                    : comm.equals("postgres") ? "Postgres" : null;
                    if (server == null) {
                        continue;
                    }
                    ticks.merge(server, ticks(stat), Long::sum);
                } catch (IOException | RuntimeException ended) {
                    // the process ended between the listing and the read
                }
            }
        } catch (IOException notLinux) {
            // no /proc: the servers are left out
        }
        return ticks;
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
