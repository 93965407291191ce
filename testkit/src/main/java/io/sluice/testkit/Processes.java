package io.sluice.testkit;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Running the servers' programs: with deadlines, and as an unprivileged user when we are root
 * (Postgres refuses to run as root).
 */
final class Processes {
    /** The system user that runs Postgres when the JVM runs as root. */
    static final String SERVICE_USER = "sluice";

    private Processes() {}

    /** The exit code and the combined stdout/stderr of a finished command. */
    record Result(int exitCode, String output) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs a command to completion within {@code timeoutSeconds}. Output goes to a temporary file
     * rather than a pipe: a daemon the command leaves behind (pg_ctl's postmaster) may inherit the
     * descriptor, and reading a pipe would then wait for the daemon, not the command.
     */
    static Result run(List<String> command, long timeoutSeconds) {
        Path out = null;
        try {
            out = Files.createTempFile("sluice-cmd", ".out");
            Process p =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(out.toFile())
                            .redirectInput(new File("/dev/null"))
                            .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "timed out after "
                                + timeoutSeconds
                                + " s: "
                                + String.join(" ", command)
                                + "\n"
                                + Files.readString(out, StandardCharsets.ISO_8859_1).strip());
            }
            return new Result(
                    p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1).strip());
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } finally {
            deleteQuietly(out);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover temp file is harmless; the command's result matters more than its cleanup.
            System.err.println("warning: cannot delete " + file + ": " + e.getMessage());
        }
    }

    /** Whether this JVM runs as root: the owner of /proc/self is the process's effective uid. */
    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot tell whether we run as root (/proc/self): " + e.getMessage(), e);
        }
    }

    /** {@code command}, wrapped to run as {@link #SERVICE_USER} when we are root. */
    static List<String> asServiceUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        ensureServiceUser();
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", SERVICE_USER, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static synchronized void ensureServiceUser() {
        if (run(List.of("id", "-u", SERVICE_USER), 10).ok()) {
            return;
        }
        Result r =
                run(
                        List.of(
                                "useradd",
                                "--system",
                                "--no-create-home",
                                "--shell",
                                "/usr/sbin/nologin",
                                SERVICE_USER),
                        30);
        // Another process may have created the user between our check and useradd.
        if (!r.ok() && !run(List.of("id", "-u", SERVICE_USER), 10).ok()) {
            throw new IllegalStateException(
                    "cannot create the system user '"
                            + SERVICE_USER
                            + "' that runs Postgres (Postgres refuses to run as root): "
                            + r.output());
        }
    }

    /** Gives {@code dir} (recursively) to the service user when we are root. */
    static void chownToServiceUser(Path dir) {
        if (!isRoot()) {
            return;
        }
        ensureServiceUser();
        Result r =
                run(List.of("chown", "-R", SERVICE_USER + ":" + SERVICE_USER, dir.toString()), 120);
        if (!r.ok()) {
            throw new IllegalStateException(
                    "cannot chown " + dir + " to " + SERVICE_USER + ": " + r.output());
        }
    }

    /**
     * When we are root, lets the service user reach {@code dir}: adds o+x to each ancestor that
     * lacks it (a JUnit @TempDir is 0700, for instance). Nothing is made readable that was not.
     */
    static void makeReachableByServiceUser(Path dir) throws IOException {
        if (!isRoot()) {
            return;
        }
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    /** The ports {@link #freePort} handed out in this JVM, none of them handed out twice. */
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    /**
     * A port that was free on the loopback interface a moment ago, taken below the kernel's range
     * for ephemeral ports when there is room. A cluster picks every member's ports before it starts
     * the first member (each member's configuration lists the others), and a port from the
     * ephemeral range can meanwhile become the local end of an outgoing connection (a started
     * member's to ZooKeeper, or ours to it), so that the member meant to listen on it cannot start.
     */
    static int freePort() {
        int low = 10_000;
        int high = Math.min(ephemeralLow(), 65_536);
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int attempt = 0; high - low >= 1_000 && attempt < 200; attempt++) {
            int port = random.nextInt(low, high);
            if (!HANDED_OUT.contains(port) && bindable(port, false) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        for (int attempt = 0; attempt < 100; attempt++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot find a free port on 127.0.0.1: " + e.getMessage(), e);
            }
        }
        throw new IllegalStateException("cannot find a free port on 127.0.0.1 not handed out yet");
    }

    /**
     * Whether a listening socket could bind {@code port} on 127.0.0.1 now, with or without {@code
     * SO_REUSEADDR} (with it, connections in TIME_WAIT do not hold the port).
     */
    private static boolean bindable(int port, boolean reuseAddress) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(reuseAddress);
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** Where the kernel's range for ephemeral ports starts (Linux's default when unreadable). */
    static int ephemeralLow() {
        try {
            // Read line-wise: procfs reports a size of 0, and Files.readString then returns the
            // first byte only.
            return Integer.parseInt(
                    Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                            .get(0)
                            .trim()
                            .split("\\s+")[0]);
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }

    /** Whether something listens on, or holds, {@code port} on 127.0.0.1. */
    static boolean portInUse(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException notListening) {
            // Nothing accepts connections; the port may still be bound by a socket that does not
            // listen yet, which binding it ourselves reveals. With SO_REUSEADDR, as the servers
            // bind, so that connections in TIME_WAIT from a server just stopped do not count.
            return !bindable(port, true);
        }
    }

    /**
     * The command line of the live process {@code pid} if it contains {@code marker}. A pid file
     * can outlive its process (kill -9, reboot) and the pid be reused: this checks who it is.
     */
    static Optional<List<String>> liveCommandLine(long pid, String marker) {
        Path cmdline = Path.of("/proc", Long.toString(pid), "cmdline");
        if (!Files.exists(cmdline)) {
            return Optional.empty();
        }
        try {
            String raw = Files.readString(cmdline, StandardCharsets.UTF_8);
            List<String> args = List.of(raw.split("\0"));
            return String.join(" ", args).contains(marker) ? Optional.of(args) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // the process ended between the two calls
        }
    }

    /** The size of {@code file} now, so that a later {@link #tail} shows only what came after. */
    static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /**
     * The last {@code lines} lines written to {@code file} after byte {@code from}, without
     * stack-trace frames ({@code "12. /lib/..."}, as ClickHouse logs them), for error messages.
     */
    static String tail(Path file, long from, int lines) {
        if (!Files.exists(file)) {
            return "(no log at " + file + ")";
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            // A log shorter than `from` was rotated or truncated: show it all. Read at most 1 MiB.
            long start = Math.max(from <= f.length() ? from : 0, f.length() - (1 << 20));
            f.seek(start);
            byte[] bytes = new byte[(int) (f.length() - start)];
            f.readFully(bytes);
            List<String> kept = new ArrayList<>();
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.matches("^\\d+\\. .*")) {
                    kept.add(line);
                }
            }
            if (kept.isEmpty()) {
                return "(" + file + " has nothing new)";
            }
            return String.join("\n", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }

    /** Deletes a directory tree (a stale server's state). */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            List<Path> all = paths.sorted(java.util.Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
