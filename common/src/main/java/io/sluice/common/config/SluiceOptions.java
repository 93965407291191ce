package io.sluice.common.config;

import java.util.List;

/** Every key of {@code sluice.yaml}, with its default and meaning. */
public final class SluiceOptions {
    private SluiceOptions() {}

    // --- postgres: the source database -------------------------------------------------------
    public static final Option<String> PG_HOST =
            Option.string("postgres.host", "127.0.0.1", "Postgres host name or address.");
    public static final Option<Integer> PG_PORT =
            Option.integer("postgres.port", 5432, "Postgres port.");
    public static final Option<String> PG_DATABASE =
            Option.requiredString("postgres.database", "Database holding the captured tables.");
    public static final Option<String> PG_USER =
            Option.requiredString(
                    "postgres.user",
                    "User with the REPLICATION attribute and SELECT on the tables.");
    public static final Option<String> PG_PASSWORD =
            Option.string(
                    "postgres.password",
                    "",
                    "Password; write it as ${ENV_VAR} so the secret stays in the environment.");
    public static final Option<String> PG_SLOT =
            Option.string(
                    "postgres.slot",
                    "sluice",
                    "Logical replication slot (pgoutput). One per running job; it outlives the"
                            + " job, drop it when you retire the pipeline.");
    public static final Option<String> PG_PUBLICATION =
            Option.string(
                    "postgres.publication",
                    "sluice",
                    "Publication Sluice creates (or extends) for exactly the captured tables.");
    public static final Option<List<String>> PG_TABLES =
            Option.requiredList(
                    "postgres.tables",
                    "Tables to capture, as schema.table (schema defaults to public).");
    public static final Option<Integer> PG_SNAPSHOT_CHUNK_SIZE =
            Option.integer(
                    "postgres.snapshot-chunk-size",
                    8096,
                    "Rows per incremental-snapshot chunk (a chunk is the unit of snapshot progress).");
    public static final Option<Long> PG_HEARTBEAT_MS =
            Option.longValue(
                    "postgres.heartbeat-interval-ms",
                    10_000L,
                    "Heartbeat interval so an idle slot keeps advancing and WAL is released.");

    // --- clickhouse: the target --------------------------------------------------------------
    public static final Option<String> CH_URL =
            Option.requiredString(
                    "clickhouse.url", "ClickHouse HTTP endpoint, e.g. http://host:8123.");
    public static final Option<String> CH_DATABASE =
            Option.requiredString(
                    "clickhouse.database", "Database the mirrored tables go to (must exist).");
    public static final Option<String> CH_USER =
            Option.string("clickhouse.user", "default", "ClickHouse user.");
    public static final Option<String> CH_PASSWORD =
            Option.string("clickhouse.password", "", "Password; write it as ${ENV_VAR}.");

    // --- sink: batching and retries ----------------------------------------------------------
    public static final Option<Integer> SINK_BATCH_ROWS =
            Option.integer("sink.batch-rows", 50_000, "Flush a table's batch at this many rows.");
    public static final Option<Long> SINK_BATCH_BYTES =
            Option.longValue(
                    "sink.batch-bytes",
                    16L << 20,
                    "Flush a table's batch at this many encoded bytes.");
    public static final Option<Long> SINK_FLUSH_INTERVAL_MS =
            Option.longValue(
                    "sink.flush-interval-ms",
                    1_000L,
                    "Flush batches at least this often; batches are always flushed before a"
                            + " checkpoint completes.");
    public static final Option<Integer> SINK_MAX_RETRIES =
            Option.integer(
                    "sink.max-retries",
                    6,
                    "Retries of a transient failure (connection, 5xx) per batch.");
    public static final Option<Long> SINK_RETRY_BACKOFF_MS =
            Option.longValue(
                    "sink.retry-backoff-ms",
                    200L,
                    "First retry delay; doubles on each retry (max 30 s).");

    // --- job: Flink settings -----------------------------------------------------------------
    public static final Option<Integer> JOB_PARALLELISM =
            Option.integer("job.parallelism", 1, "Parallelism of the job's operators.");
    public static final Option<Long> JOB_CHECKPOINT_INTERVAL_MS =
            Option.longValue(
                    "job.checkpoint-interval-ms",
                    5_000L,
                    "Checkpoint interval. The slot's confirmed LSN advances only on checkpoints.");
    public static final Option<String> JOB_CHECKPOINT_DIR =
            Option.string(
                    "job.checkpoint-dir",
                    "file:///tmp/sluice-checkpoints",
                    "Checkpoint storage (file://, s3://, ...).");
    public static final Option<String> JOB_STATE_BACKEND =
            Option.string(
                    "job.state-backend", "hashmap", "Flink state backend: hashmap or rocksdb.");

    public static final List<Option<?>> ALL =
            List.of(
                    PG_HOST,
                    PG_PORT,
                    PG_DATABASE,
                    PG_USER,
                    PG_PASSWORD,
                    PG_SLOT,
                    PG_PUBLICATION,
                    PG_TABLES,
                    PG_SNAPSHOT_CHUNK_SIZE,
                    PG_HEARTBEAT_MS,
                    CH_URL,
                    CH_DATABASE,
                    CH_USER,
                    CH_PASSWORD,
                    SINK_BATCH_ROWS,
                    SINK_BATCH_BYTES,
                    SINK_FLUSH_INTERVAL_MS,
                    SINK_MAX_RETRIES,
                    SINK_RETRY_BACKOFF_MS,
                    JOB_PARALLELISM,
                    JOB_CHECKPOINT_INTERVAL_MS,
                    JOB_CHECKPOINT_DIR,
                    JOB_STATE_BACKEND);
}
