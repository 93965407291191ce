package io.sluice.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and peak resident memory of this JVM since {@link #start}. */
record Resources(long cpuNanosAtStart) {
    static Resources start() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5"); // resets VmHWM
        } catch (Exception ignored) {
            // not Linux, or not allowed: the peak then covers the whole run
        }
        return new Resources(cpu());
    }

    double cpuSeconds() {
        return (cpu() - cpuNanosAtStart) / 1e9;
    }

    long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
                }
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return -1;
    }

    private static long cpu() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
