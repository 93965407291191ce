package io.sluice.jobs.ops;

import io.sluice.common.change.Versions;
import io.sluice.common.config.ConfigException;
import io.sluice.common.config.PostgresSourceOptions;
import io.sluice.common.config.PostgresSourceOptions.OnSlotLoss;
import io.sluice.common.config.SluiceConfig;
import io.sluice.common.config.TableId;
import io.sluice.common.schema.PostgresCatalog;
import io.sluice.jobs.mirror.MirrorSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a run of a streaming job starts: resumed from state, or fresh (a resync).
 *
 * <ul>
 *   <li>Each pipeline (job, Postgres database, slot, publication, tables, ClickHouse databases)
 *       checkpoints under its own directory, {@code <job.checkpoint-dir>/<job>-<slot>-<hash>}, and
 *       its checkpoints are kept when the job is cancelled or killed.
 *   <li>{@code ./sluice run} resumes from the newest retained checkpoint there; {@code --fresh} (or
 *       no checkpoint) starts over: the old checkpoints are moved aside and the run resyncs ({@link
 *       Resync}; the job's {@link LifecycleGuard} retires the old rows once its tasks find no
 *       state). An explicit {@code -s <savepoint>} always wins.
 *   <li>A resumed run whose replication slot is gone would continue silently from wherever a new
 *       slot starts (Flink CDC creates one), skipping the WAL in between. It stops instead, with
 *       the fix, or resyncs with {@code postgres.on-slot-loss: resync}.
 * </ul>
 */
public final class Startup {
    private static final Logger LOG = LoggerFactory.getLogger(Startup.class);

    private Startup() {}

    /** Resumed from state, or fresh (resync). */
    public enum Mode {
        RESUME,
        FRESH
    }

    /**
     * What this run does: its mode, the checkpoint or savepoint it restores ({@code null} when
     * fresh), its snapshot anchor, and its checkpoint directory.
     */
    public record Plan(
            Mode mode,
            String restorePath,
            Resync.Anchor anchor,
            String checkpointDir,
            String reason) {
        public String describe() {
            if (anchor == null) { // source.kind: kafka
                return mode == Mode.RESUME
                        ? "resuming from " + restorePath + " (" + reason + ")"
                        : "starting without state ("
                                + reason
                                + "): reading the change topics from their beginning";
            }
            return mode == Mode.RESUME
                    ? "resuming from "
                            + restorePath
                            + " ("
                            + reason
                            + "); snapshot anchor "
                            + anchor
                    : "starting fresh (" + reason + "): resync at WAL position " + anchor;
        }
    }

    /**
     * Decides how the run starts and prepares it (resync, or the resume anchor).
     *
     * @param job {@code analytics} or {@code mirror}
     * @param fresh {@code --fresh} was given
     * @param explicitRestore a savepoint or checkpoint the user named ({@code flink run -s}), or
     *     {@code null}
     * @param keys primary keys of the captured tables
     */
    public static Plan prepare(
            SluiceConfig config,
            String job,
            boolean fresh,
            String explicitRestore,
            Map<TableId, List<String>> keys)
            throws SQLException, IOException {
        String dir = PipelineCheckpoints.checkpointDir(config, job);
        Restore choice = chooseRestore(dir, fresh, explicitRestore);
        String restore = choice.path();
        String reason = choice.reason();
        if (restore != null && !slotExists(config)) {
            String slot = config.get(PostgresSourceOptions.SLOT);
            if (config.get(PostgresSourceOptions.ON_SLOT_LOSS) != OnSlotLoss.RESYNC) {
                throw new ConfigException(
                        List.of(
                                "the replication slot '"
                                        + slot
                                        + "' no longer exists (dropped, or lost in a failover),"
                                        + " so the changes since "
                                        + restore
                                        + " cannot be read: continuing would silently skip them."
                                        + " Start over with `./sluice run --fresh` (a resync), or"
                                        + " set 'postgres.on-slot-loss: resync' to do that"
                                        + " automatically"));
            }
            LOG.warn(
                    "The replication slot '{}' no longer exists: resyncing (postgres.on-slot-loss: resync)",
                    slot);
            restore = null;
            reason = "replication slot '" + slot + "' lost";
        }
        if (restore != null) {
            Long confirmed = slotConfirmedLsn(config);
            RestoredPosition position =
                    RestoredPosition.read(
                            restore, MirrorSource.create(config, 0, 0).getSplitSerializer());
            if (confirmed != null && position.olderThan(confirmed)) {
                String stale =
                        "the state in "
                                + restore
                                + " ("
                                + position.describe()
                                + ") is older than what the replication slot '"
                                + config.get(PostgresSourceOptions.SLOT)
                                + "' has confirmed ("
                                + Versions.lsnText(confirmed)
                                + "): Postgres cannot stream the changes in between again, so"
                                + " resuming from it would skip them";
                if (config.get(PostgresSourceOptions.ON_SLOT_LOSS) != OnSlotLoss.RESYNC) {
                    throw new ConfigException(
                            List.of(
                                    stale
                                            + ". Restore a newer checkpoint or savepoint, start"
                                            + " over with `./sluice run --fresh` (a resync), or"
                                            + " set 'postgres.on-slot-loss: resync' to do that"
                                            + " automatically"));
                }
                LOG.warn("{}: resyncing instead (postgres.on-slot-loss: resync)", stale);
                restore = null;
                reason = "restored state older than the replication slot";
            } else {
                LOG.info(
                        "The state to restore is at {}; the slot has confirmed {}",
                        position.describe(),
                        confirmed == null ? "nothing" : Versions.lsnText(confirmed));
            }
        }
        Plan plan;
        if (restore == null) {
            PipelineCheckpoints.moveAside(dir);
            Resync.Anchor anchor = runAnchor(config, keys, job, "fresh");
            plan = new Plan(Mode.FRESH, null, anchor, dir, reason);
        } else {
            plan =
                    new Plan(
                            Mode.RESUME,
                            restore,
                            runAnchor(config, keys, job, "resume"),
                            dir,
                            reason);
        }
        LOG.info("Sluice {} job: {}", job, plan.describe());
        return plan;
    }

    /**
     * How a run reading Debezium-JSON topics ({@code source.kind: kafka}) starts: from the named
     * savepoint, else the pipeline's newest retained checkpoint (its Kafka offsets included), else
     * without state, reading every topic from the beginning. There is no slot to check and no
     * anchor: every change carries its own WAL position. {@code --fresh} moves the old checkpoints
     * aside and re-reads the topics; rows already in ClickHouse are overwritten by the same or
     * newer versions, and none is retired (a topic compacted past a delete no longer holds that
     * row).
     */
    public static Plan prepareFromKafka(
            SluiceConfig config, String job, boolean fresh, String explicitRestore)
            throws IOException {
        String dir = PipelineCheckpoints.checkpointDir(config, job);
        Restore choice = chooseRestore(dir, fresh, explicitRestore);
        String restore = choice.path();
        String reason = choice.reason();
        if (restore == null) {
            PipelineCheckpoints.moveAside(dir);
        }
        Plan plan =
                new Plan(restore == null ? Mode.FRESH : Mode.RESUME, restore, null, dir, reason);
        LOG.info("Sluice {} job (from Kafka): {}", job, plan.describe());
        return plan;
    }

    /**
     * The run's anchor: above every version in the job's ClickHouse tables ({@link
     * Resync#runAnchor}); the publish mode writes no ClickHouse table, and takes the WAL position.
     */
    private static Resync.Anchor runAnchor(
            SluiceConfig config, Map<TableId, List<String>> keys, String job, String reason)
            throws SQLException {
        return job.equals("publish")
                ? Resync.anchor(config, reason)
                : Resync.runAnchor(config, keys, job.equals("analytics"), reason);
    }

    /** What a run restores ({@code null}: nothing) and why. */
    private record Restore(String path, String reason) {}

    /** The named savepoint, else nothing with --fresh, else the newest retained checkpoint. */
    private static Restore chooseRestore(String dir, boolean fresh, String explicitRestore)
            throws IOException {
        if (explicitRestore != null) {
            return new Restore(explicitRestore, "named on the command line");
        }
        if (fresh) {
            return new Restore(null, "--fresh");
        }
        String newest = PipelineCheckpoints.latestCheckpoint(dir);
        return new Restore(
                newest,
                newest == null
                        ? "no retained checkpoint under " + dir
                        : "newest retained checkpoint");
    }

    /** The slot's confirmed flush position, or null when the slot does not exist. */
    public static Long slotConfirmedLsn(SluiceConfig config) throws SQLException {
        try (Connection pg = PostgresCatalog.openConnection(config);
                PreparedStatement st =
                        pg.prepareStatement(
                                "SELECT coalesce((confirmed_flush_lsn - '0/0')::bigint, 0)"
                                        + " FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, config.get(PostgresSourceOptions.SLOT));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    /** Whether the configured replication slot exists. */
    public static boolean slotExists(SluiceConfig config) throws SQLException {
        try (Connection pg = PostgresCatalog.openConnection(config);
                PreparedStatement st =
                        pg.prepareStatement(
                                "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?")) {
            st.setString(1, config.get(PostgresSourceOptions.SLOT));
            try (ResultSet rs = st.executeQuery()) {
                return rs.next();
            }
        }
    }
}
