package io.sluice.jobs.ops;

import io.sluice.common.config.AnalyticsOptions;
import io.sluice.common.config.ClickHouseSinkOptions;
import io.sluice.common.config.JobOptions;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.SourceOptions;
import io.sluice.common.config.TableId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.TreeSet;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's checkpoint directory: its own per job, slot and everything else that makes its state
 * its own ({@link #pipelineId}), the newest completed checkpoint a restart resumes from, and moving
 * the old ones aside on a fresh start.
 */
final class PipelineCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(PipelineCheckpoints.class);

    private PipelineCheckpoints() {}

    /** The pipeline's own checkpoint directory. */
    static String checkpointDir(SluiceConfig config, String job) {
        String base = config.get(JobOptions.CHECKPOINT_DIR);
        return (base.endsWith("/") ? base : base + "/")
                + job
                + "-"
                + config.get(PostgresSourceOptions.SLOT)
                + "-"
                + pipelineId(config, job);
    }

    /** A hash of everything that makes a pipeline's state its own. */
    static String pipelineId(SluiceConfig config, String job) {
        StringBuilder id = new StringBuilder(job);
        for (Object part :
                new Object[] {
                    config.get(PostgresSourceOptions.HOST),
                    config.get(PostgresSourceOptions.PORT),
                    config.get(PostgresSourceOptions.DATABASE),
                    config.get(PostgresSourceOptions.SLOT),
                    config.get(PostgresSourceOptions.PUBLICATION),
                    new TreeSet<>(config.tables().stream().map(TableId::qualified).toList()),
                    config.get(ClickHouseSinkOptions.URL),
                    config.get(ClickHouseSinkOptions.DATABASE),
                    config.get(AnalyticsOptions.DATABASE)
                }) {
            id.append('\u0000').append(part);
        }
        if (SourceOptions.fromKafka(config)) { // another source: another pipeline
            id.append('\u0000')
                    .append(config.get(SourceOptions.KAFKA_BOOTSTRAP_SERVERS))
                    .append('\u0000')
                    .append(config.get(SourceOptions.KAFKA_TOPIC_PREFIX));
        }
        try {
            byte[] sha =
                    MessageDigest.getInstance("SHA-256")
                            .digest(id.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The newest completed checkpoint ({@code <job id>/chk-N} with its metadata) under dir. */
    static String latestCheckpoint(String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return null;
        }
        FileStatus newest = null;
        for (FileStatus jobDir : listOrEmpty(fs, root)) {
            if (!jobDir.isDir()) {
                continue;
            }
            for (FileStatus chk : listOrEmpty(fs, jobDir.getPath())) {
                if (!chk.isDir() || !chk.getPath().getName().startsWith("chk-")) {
                    continue;
                }
                Path metadata = new Path(chk.getPath(), "_metadata");
                if (!fs.exists(metadata)) {
                    continue; // in progress, or abandoned half-written
                }
                FileStatus m = fs.getFileStatus(metadata);
                if (newest == null || m.getModificationTime() > newest.getModificationTime()) {
                    newest = m;
                }
            }
        }
        return newest == null ? null : newest.getPath().getParent().toString();
    }

    private static FileStatus[] listOrEmpty(FileSystem fs, Path p) throws IOException {
        FileStatus[] s = fs.listStatus(p);
        return s == null ? new FileStatus[0] : s;
    }

    /** Moves a pipeline's old checkpoints aside, so a later resume cannot pick them. */
    static void moveAside(String dir) throws IOException {
        Path root = new Path(dir);
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return;
        }
        String stamp =
                DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now());
        Path aside = new Path(dir + ".replaced-" + stamp);
        if (!fs.rename(root, aside)) {
            throw new IOException("could not move the old checkpoints " + root + " to " + aside);
        }
        LOG.info("Fresh start: the earlier checkpoints of this pipeline moved to {}", aside);
    }
}
