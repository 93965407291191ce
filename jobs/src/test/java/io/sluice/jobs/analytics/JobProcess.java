package io.sluice.jobs.analytics;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code AnalyticsJob} in its own JVM, as {@code ./sluice run} starts it. */
final class JobProcess {
    private static final Logger LOG = LoggerFactory.getLogger(JobProcess.class);
    private static final List<Process> ALL = new ArrayList<>();
    private final Process process;
    private final Path log;

    private JobProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static JobProcess start(Path config, Path tmp, String name, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1g");
        cmd.add(
                "-Dlog4j2.configurationFile="
                        + JobProcess.class.getResource("/lifecycle-log4j2.properties"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.sluice.jobs.analytics.AnalyticsJob");
        cmd.add("--config");
        cmd.add(config.toString());
        cmd.addAll(List.of(args));
        Path log = tmp.resolve(name + ".log");
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SLUICE_PII_KEY", AnalyticsTestSettings.PII_KEY);
        Process p = pb.start();
        synchronized (ALL) {
            ALL.add(p);
        }
        LOG.info("started {} (pid {}), log {}", name, p.pid(), log);
        return new JobProcess(p, log);
    }

    /** Whether the job's log contains {@code text} within {@code timeout}. */
    boolean waitForLog(String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(text)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100); // polling the log, with a deadline
        }
        return true;
    }

    /** Where the job is, judged from Flink CDC's log lines. */
    String stage() throws Exception {
        String log = log();
        if (log.contains("Assign split StreamSplit")
                || log.contains("Stream split offset on checkpoint")) {
            return "streaming";
        }
        if (log.contains("Assign split SnapshotSplit")) {
            return "in the snapshot";
        }
        return "starting or restoring";
    }

    /** Waits until the job's log contains {@code text}. */
    void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!log().contains(text)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the job never logged '" + text + "':\n" + tail());
            }
            Thread.sleep(200); // polling the log, with a deadline
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String log() throws Exception {
        return Files.readString(log);
    }

    String tail() throws Exception {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    int awaitExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the job did not exit within " + timeout + ":\n" + log());
        }
        return process.exitValue();
    }

    /** SIGKILL: nothing is flushed, cancelled or closed on the way out. */
    void kill() throws Exception {
        process.destroyForcibly();
        process.waitFor();
    }

    static void killAll() {
        synchronized (ALL) {
            for (Process p : ALL) {
                p.destroyForcibly();
            }
        }
    }
}
