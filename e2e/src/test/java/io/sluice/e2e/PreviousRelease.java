package io.sluice.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * "v1" of the jobs jar: the current jar with the classes under {@code src/test/resources/v1}
 * (sources as the first release had them) compiled and put in place of the current ones.
 */
final class PreviousRelease {
    private PreviousRelease() {}

    static Path build(Path currentJar, Path work) throws IOException, URISyntaxException {
        Path sources = Path.of(PreviousRelease.class.getResource("/v1").toURI());
        List<String> files;
        try (var walk = Files.walk(sources)) {
            files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).toList();
        }
        Path classes = Files.createDirectories(work.resolve("v1-classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String[] args =
                concat(
                        List.of(
                                "--release",
                                "17",
                                "-cp",
                                currentJar.toString(),
                                "-d",
                                classes.toString()),
                        files);
        int rc = javac.run(null, null, null, args);
        if (rc != 0) {
            throw new AssertionError("compiling the v1 sources failed (see the output above)");
        }
        Path v1 = work.resolve("sluice-jobs-v1.jar");
        Files.copy(currentJar, v1, StandardCopyOption.REPLACE_EXISTING);
        try (FileSystem jar = FileSystems.newFileSystem(URI.create("jar:" + v1.toUri()), Map.of());
                var walk = Files.walk(classes)) {
            for (Path c : walk.filter(Files::isRegularFile).toList()) {
                Path target = jar.getPath(classes.relativize(c).toString());
                if (!Files.exists(target)) {
                    throw new AssertionError(target + " is not in the current jar: not a v1 of it");
                }
                Files.copy(c, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return v1;
    }

    private static String[] concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toArray(String[]::new);
    }
}
