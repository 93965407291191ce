package io.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * What the servers the testkit starts in their own session (ClickHouse, the chDB adapter) share:
 * waiting for them to answer, recording their pid and ports in {@code server.properties} of their
 * home so that another process finds them, and stopping them.
 */
final class Daemons {
    static final String STATE_FILE = "server.properties";

    private Daemons() {}

    /**
     * Polls {@code ready} until it holds, the process dies, or {@code timeout} passes; a failure
     * names the server, where it listens, and the last lines its log got since {@code logStart}.
     */
    static void awaitReady(
            String name,
            Process process,
            BooleanSupplier ready,
            Duration timeout,
            String where,
            Path log,
            long logStart) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name
                                + " exited with code "
                                + process.exitValue()
                                + " while starting"
                                + where
                                + "; last lines of "
                                + log
                                + ":\n"
                                + Processes.tail(log, logStart, 10));
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(
                        name
                                + " did not answer /ping within "
                                + timeout.toSeconds()
                                + " s"
                                + where
                                + "; last lines of "
                                + log
                                + ":\n"
                                + Processes.tail(log, logStart, 10));
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS); // returns early if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IllegalStateException("interrupted while " + name + " was starting", e);
            }
        }
    }

    /** Records {@code state} in {@code home}; written aside and renamed, never seen half-done. */
    static void writeState(Path home, Properties state, String comment) {
        Path file = home.resolve(STATE_FILE);
        Path partial = home.resolve(STATE_FILE + ".tmp");
        try {
            try (var out = Files.newBufferedWriter(partial)) {
                state.store(out, comment);
            }
            Files.move(
                    partial,
                    file,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the server's pid in " + file, e);
        }
    }

    /** Forgets the state recorded in {@code home} (the server was stopped). */
    static void clearState(Path home) {
        try {
            Files.deleteIfExists(home.resolve(STATE_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + home.resolve(STATE_FILE), e);
        }
    }

    /** The state a server recorded in {@code home}, if any. */
    static Optional<Properties> readState(Path home) {
        Path file = home.resolve(STATE_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return Optional.of(p);
    }

    /** A number of the recorded state, or a plain message naming the damaged file. */
    static long number(Properties p, String key, Path home) {
        String value = p.getProperty(key, "");
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException(
                    home.resolve(STATE_FILE)
                            + " is damaged ("
                            + key
                            + "='"
                            + value
                            + "'): stop the server by hand if one"
                            + " runs, then delete the file");
        }
    }

    /** Stops process {@code pid} (SIGTERM, then SIGKILL after 30 s) if it is alive. */
    static void stop(String name, long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return;
        }
        ProcessHandle h = handle.get();
        h.destroy();
        if (!awaitExit(name, h, 30)) {
            h.destroyForcibly();
            if (!awaitExit(name, h, 10)) {
                throw new IllegalStateException(
                        name + " (pid " + pid + ") did not stop even after SIGKILL");
            }
        }
    }

    private static boolean awaitExit(String name, ProcessHandle h, int seconds) {
        try {
            h.onExit().get(seconds, TimeUnit.SECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while " + name + " (pid " + h.pid() + ") was stopping", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "cannot wait for " + name + " (pid " + h.pid() + ") to stop", e);
        }
    }
}
