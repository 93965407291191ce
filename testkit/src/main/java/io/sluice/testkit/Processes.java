package io.sluice.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running the servers' programs: as an unprivileged user when we are root, with deadlines. */
final class Processes {
    /** Postgres refuses to run as root; its processes run as this system user instead. */
    static final String SERVICE_USER = "sluice";

    private Processes() {}

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The command, run as {@link #SERVICE_USER} when we are root. */
    static List<String> asServiceUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        ensureServiceUser();
        List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", SERVICE_USER, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    static synchronized void ensureServiceUser() {
        if (run(List.of("id", "-u", SERVICE_USER), 10).exitCode() == 0) {
            return;
        }
        Result r =
                run(List.of("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVICE_USER), 30);
        if (r.exitCode() != 0 && run(List.of("id", "-u", SERVICE_USER), 10).exitCode() != 0) {
            throw new IllegalStateException(
                    "cannot create the system user '" + SERVICE_USER + "' that runs Postgres (Postgres refuses root): " + r.output());
        }
    }

    /** Gives the directory to the service user (when root) so the server can write there. */
    static void chownToServiceUser(Path dir) {
        if (isRoot()) {
            ensureServiceUser();
            Result r = run(List.of("chown", "-R", SERVICE_USER + ":", dir.toString()), 60);
            if (r.exitCode() != 0) {
                throw new IllegalStateException("cannot chown " + dir + " to " + SERVICE_USER + ": " + r.output());
            }
        }
    }

    /** Makes {@code dir} and each parent traversable, so the service user can reach it. */
    static void makeTraversable(Path dir) throws IOException {
        for (Path p = dir.toAbsolutePath(); p != null && p.getParent() != null; p = p.getParent()) {
            if (!Files.isDirectory(p)) {
                continue;
            }
            var perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE);
                perms.add(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
                Files.setPosixFilePermissions(p, perms);
            }
        }
    }

    record Result(int exitCode, String output) {}

    static Result run(List<String> command, long timeoutSeconds) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            // Read before waiting so a chatty program cannot block on a full pipe.
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, java.nio.charset.StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on this machine", e);
        }
    }

    static boolean portInUse(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    /** The last lines of a log file, for error messages. */
    static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "(no log at " + file + ")";
            }
            List<String> all = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
