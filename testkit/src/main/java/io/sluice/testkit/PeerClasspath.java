package io.sluice.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The class path of the peer module: Debezium 3.6 and Kafka 4, which cannot share a JVM with the
 * jobs' Flink CDC (Debezium 1.9, Kafka 3). {@code mvn package} (and {@code ./sluice test}) builds
 * the peer module before the jobs module and writes it to {@code peer/target/classpath.txt}.
 */
public final class PeerClasspath {
    private PeerClasspath() {}

    /** The peer's classes and dependencies; fails with what to run when they are not built. */
    public static String get() {
        Path target = root().resolve("peer").resolve("target");
        Path file = target.resolve("classpath.txt");
        Path classes = target.resolve("classes");
        if (!Files.exists(file) || !Files.isDirectory(classes)) {
            throw new IllegalStateException(
                    file.toAbsolutePath()
                            + " is missing: the Kafka tests run Kafka and Debezium from the peer"
                            + " module; build it first (mvn -pl peer package, or mvn install)");
        }
        try {
            return classes.toAbsolutePath() + ":" + Files.readString(file).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository's root: the nearest directory up from here with a peer module. */
    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("peer")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "cannot find the repository root (a directory with peer/ and pom.xml) above "
                        + Path.of("").toAbsolutePath());
    }
}
