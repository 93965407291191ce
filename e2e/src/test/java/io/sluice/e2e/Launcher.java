package io.sluice.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the repository's {@code ./sluice} launcher, as a user would, with its own state directory.
 */
final class Launcher {
    private final Path root;
    private final Map<String, String> env = new HashMap<>();

    Launcher(Path root, Path home, int restPort, int rpcPort) {
        this.root = root;
        env.put("SLUICE_HOME", home.toString());
        env.put("SLUICE_FLINK_REST_PORT", Integer.toString(restPort));
        env.put("SLUICE_FLINK_RPC_PORT", Integer.toString(rpcPort));
        // The jars were built by this Maven run; the launcher must not rebuild them.
        env.put("SLUICE_NO_BUILD", "1");
    }

    /** Sets an environment variable of every later command (connection settings). */
    Launcher env(String key, String value) {
        env.put(key, value);
        return this;
    }

    /**
     * {@code ./sluice ARGS...}; returns its output, or fails with it when the exit code is not 0.
     */
    String run(String... args) throws IOException, InterruptedException {
        return run(Duration.ofMinutes(5), args);
    }

    /** {@code ./sluice ARGS...} with a time limit other than 5 minutes. */
    String run(Duration limit, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("sluice").toString()));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("sluice-launcher", ".out");
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile());
            pb.environment().putAll(env);
            pb.redirectErrorStream(true).redirectOutput(out.toFile());
            Process p = pb.start();
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(
                        "./sluice "
                                + String.join(" ", args)
                                + " did not finish within "
                                + limit
                                + ":\n"
                                + Files.readString(out, StandardCharsets.UTF_8));
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(
                        "./sluice "
                                + String.join(" ", args)
                                + " exited with "
                                + p.exitValue()
                                + ":\n"
                                + text);
            }
            return text;
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /**
     * {@code ./sluice flink stop --savepointPath DIR JOB}: stops the job with a savepoint in {@code
     * dir} and returns the savepoint's path.
     */
    String stopWithSavepoint(String job, Path dir) throws IOException, InterruptedException {
        String out = run("flink", "stop", "--savepointPath", dir.toUri().toString(), job);
        return find(out, "Savepoint completed\\. Path: (\\S+)");
    }

    /** A port nothing listens on now, for the cluster's REST and RPC endpoints. */
    static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The first group of {@code regex} in {@code text}, or a failure that shows the text. */
    static String find(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("expected /" + regex + "/ in:\n" + text);
        }
        return m.group(1);
    }
}
