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

    public static final Option<String> PG_ON_SLOT_LOSS =
            Option.string(
                    "postgres.on-slot-loss",
                    "fail",
                    "What a run restoring state does when its replication slot cannot serve it:"
                            + " the slot is gone (dropped, or lost in a failover), or it has"
                            + " confirmed the WAL past the restored state (a rollback to an older"
                            + " savepoint). fail: stop and say how to resync; resync: start over"
                            + " from a new snapshot, retiring what ClickHouse holds.");

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

    // --- analytics: the events source contract and the analytics job --------------------------
    public static final Option<String> AN_DATABASE =
            Option.string(
                    "analytics.database",
                    "analytics",
                    "ClickHouse database of the analytics tables (events, rollups, sessions,"
                            + " dead_letters, late_events); created when the job starts.");
    public static final Option<String> AN_EVENTS_TABLE =
            Option.string(
                    "analytics.events-table",
                    "public.events",
                    "The captured Postgres table holding product events (must be in"
                            + " postgres.tables).");
    public static final Option<String> AN_COL_EVENT_ID =
            Option.string(
                    "analytics.columns.event-id", "event_id", "Events column: unique event id.");
    public static final Option<String> AN_COL_USER_ID =
            Option.string(
                    "analytics.columns.user-id",
                    "user_id",
                    "Events column: user id (text or" + " integer).");
    public static final Option<String> AN_COL_OCCURRED_AT =
            Option.string(
                    "analytics.columns.occurred-at",
                    "occurred_at",
                    "Events column: event time (timestamptz or timestamp in UTC).");
    public static final Option<String> AN_COL_EVENT_NAME =
            Option.string(
                    "analytics.columns.event-name", "event_name", "Events column: event name.");
    public static final Option<String> AN_COL_PROPERTIES =
            Option.string(
                    "analytics.columns.properties",
                    "properties",
                    "Events column: properties (jsonb, json or text holding a JSON object).");
    public static final Option<List<String>> AN_PROMOTED =
            Option.list(
                    "analytics.promoted-properties",
                    List.of(),
                    "Property keys that become typed columns prop_<key> of analytics.events, as"
                            + " key:Type with Type one of String, Int64, Float64, Bool.");
    public static final Option<List<String>> AN_ROLLUPS =
            Option.list(
                    "analytics.rollups",
                    List.of(
                            "events_per_minute",
                            "events_per_5m",
                            "events_per_hour",
                            "sessions_daily"),
                    "The count rollups to run: events_per_minute, events_per_5m, events_per_hour,"
                            + " sessions_daily. Adding one to a running job is a savepoint-compatible"
                            + " upgrade (it counts from the upgrade on; a backfill fills its past).");
    public static final Option<Long> AN_DEDUPE_TTL_MS =
            Option.longValue(
                    "analytics.dedupe-ttl-ms",
                    7L * 24 * 3600 * 1000,
                    "How long an event id is remembered (processing time); a re-delivery after"
                            + " that is counted again.");
    public static final Option<Long> AN_MAX_FUTURE_SKEW_MS =
            Option.longValue(
                    "analytics.max-future-skew-ms",
                    10L * 60 * 1000,
                    "An event whose occurred_at is further than this in the future (wall clock)"
                            + " is a dead letter.");
    public static final Option<Long> AN_OUT_OF_ORDERNESS_MS =
            Option.longValue(
                    "analytics.out-of-orderness-ms",
                    5L * 60 * 1000,
                    "Watermark = newest streamed occurred_at minus this bound.");
    public static final Option<Long> AN_ALLOWED_LATENESS_MS =
            Option.longValue(
                    "analytics.allowed-lateness-ms",
                    3600L * 1000,
                    "Events up to this far behind the watermark still correct rollups; older ones"
                            + " go to analytics.late_events.");
    public static final Option<Long> AN_SESSION_GAP_MS =
            Option.longValue(
                    "analytics.session-gap-ms",
                    30L * 60 * 1000,
                    "A session ends after this long without events.");
    public static final Option<Long> AN_SESSION_MAX_MS =
            Option.longValue(
                    "analytics.session-max-ms",
                    24L * 3600 * 1000,
                    "A session ends when it reaches this length.");

    // --- pii: hashed at ingestion ---------------------------------------------------------------
    public static final Option<List<String>> PII_COLUMNS =
            Option.list(
                    "pii.columns",
                    List.of(),
                    "Columns replaced by a keyed hash (HMAC-SHA256, hex) before anything is"
                            + " written, as schema.table.column.");
    public static final Option<List<String>> PII_PROPERTY_KEYS =
            Option.list(
                    "pii.property-keys",
                    List.of(),
                    "Top-level keys of the events properties whose values are replaced by the"
                            + " keyed hash.");
    public static final Option<String> PII_KEY_ENV =
            Option.string(
                    "pii.key-env",
                    "SLUICE_PII_KEY",
                    "Environment variable holding the HMAC key; the job refuses to start without"
                            + " it when PII fields are configured.");

    // --- archive: every change as Parquet, for replay and lineage ------------------------------
    public static final Option<String> ARCHIVE_PATH =
            Option.string(
                    "archive.path",
                    "",
                    "Where the analytics job archives every change as Parquet (file:///dir or"
                            + " s3://bucket/prefix); empty turns the archive off.");
    public static final Option<String> ARCHIVE_S3_ENDPOINT =
            Option.string(
                    "archive.s3.endpoint",
                    "",
                    "S3-compatible endpoint (e.g. http://minio:9000) when running on a local"
                            + " MiniCluster; on a cluster set s3.endpoint in Flink's config.yaml."
                            + " Credentials come from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY.");
    public static final Option<Boolean> ARCHIVE_S3_PATH_STYLE =
            Option.bool(
                    "archive.s3.path-style-access",
                    false,
                    "Path-style S3 URLs (most self-hosted S3 servers need this).");

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
                    PG_ON_SLOT_LOSS,
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
                    JOB_STATE_BACKEND,
                    AN_DATABASE,
                    AN_EVENTS_TABLE,
                    AN_COL_EVENT_ID,
                    AN_COL_USER_ID,
                    AN_COL_OCCURRED_AT,
                    AN_COL_EVENT_NAME,
                    AN_COL_PROPERTIES,
                    AN_PROMOTED,
                    AN_ROLLUPS,
                    AN_DEDUPE_TTL_MS,
                    AN_MAX_FUTURE_SKEW_MS,
                    AN_OUT_OF_ORDERNESS_MS,
                    AN_ALLOWED_LATENESS_MS,
                    AN_SESSION_GAP_MS,
                    AN_SESSION_MAX_MS,
                    PII_COLUMNS,
                    PII_PROPERTY_KEYS,
                    PII_KEY_ENV,
                    ARCHIVE_PATH,
                    ARCHIVE_S3_ENDPOINT,
                    ARCHIVE_S3_PATH_STYLE);
}
