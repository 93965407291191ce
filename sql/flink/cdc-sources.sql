-- The application's tables as Flink SQL tables, read by Flink CDC from Postgres (pgoutput; in SQL
-- each table is its own source, with its own replication slot and publication; snapshot, then
-- the stream). Run through ./sluice sql, which
-- fills ${SLUICE_...} from the environment (./sluice env for the local servers).
SET 'table.local-time-zone' = 'UTC';
SET 'execution.checkpointing.interval' = '2 s';
SET 'parallelism.default' = '1';
-- Every change of a key reaches the same sink subtask (the clickhouse sink's versions need it).
SET 'table.exec.sink.keyed-shuffle' = 'FORCE';

CREATE TABLE events (
  event_id    STRING,
  user_id     BIGINT,
  occurred_at TIMESTAMP_LTZ(6),
  event_name  STRING,
  PRIMARY KEY (event_id) NOT ENFORCED
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = '${SLUICE_PG_HOST}',
  'port' = '${SLUICE_PG_PORT}',
  'username' = '${SLUICE_PG_USER}',
  'password' = '${SLUICE_PG_PASSWORD}',
  'database-name' = '${SLUICE_PG_DATABASE}',
  'schema-name' = 'public',
  'table-name' = 'events',
  'slot.name' = '${SLUICE_SQL_SLOT}_events',
  'decoding.plugin.name' = 'pgoutput',
  'debezium.publication.name' = '${SLUICE_SQL_SLOT}_events',
  'debezium.publication.autocreate.mode' = 'filtered',
  -- Updates by key, no REPLICA IDENTITY FULL needed on the OLTP tables: the planner keeps
  -- the rows' last values (ChangelogNormalize) to retract what they added before.
  'changelog-mode' = 'upsert',
  'scan.incremental.snapshot.enabled' = 'true'
);

CREATE TABLE orders (
  order_id   BIGINT,
  user_id    BIGINT,
  created_at TIMESTAMP_LTZ(6),
  status     STRING,
  amount     DECIMAL(12, 2),
  currency   STRING,
  PRIMARY KEY (order_id) NOT ENFORCED
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = '${SLUICE_PG_HOST}',
  'port' = '${SLUICE_PG_PORT}',
  'username' = '${SLUICE_PG_USER}',
  'password' = '${SLUICE_PG_PASSWORD}',
  'database-name' = '${SLUICE_PG_DATABASE}',
  'schema-name' = 'public',
  'table-name' = 'orders',
  'slot.name' = '${SLUICE_SQL_SLOT}_orders',
  'decoding.plugin.name' = 'pgoutput',
  'debezium.publication.name' = '${SLUICE_SQL_SLOT}_orders',
  'debezium.publication.autocreate.mode' = 'filtered',
  -- Updates by key, no REPLICA IDENTITY FULL needed on the OLTP tables: the planner keeps
  -- the rows' last values (ChangelogNormalize) to retract what they added before.
  'changelog-mode' = 'upsert',
  'scan.incremental.snapshot.enabled' = 'true'
);

CREATE TABLE refunds (
  refund_id   BIGINT,
  order_id    BIGINT,
  amount      DECIMAL(12, 2),
  refunded_at TIMESTAMP_LTZ(6),
  PRIMARY KEY (refund_id) NOT ENFORCED
) WITH (
  'connector' = 'postgres-cdc',
  'hostname' = '${SLUICE_PG_HOST}',
  'port' = '${SLUICE_PG_PORT}',
  'username' = '${SLUICE_PG_USER}',
  'password' = '${SLUICE_PG_PASSWORD}',
  'database-name' = '${SLUICE_PG_DATABASE}',
  'schema-name' = 'public',
  'table-name' = 'refunds',
  'slot.name' = '${SLUICE_SQL_SLOT}_refunds',
  'decoding.plugin.name' = 'pgoutput',
  'debezium.publication.name' = '${SLUICE_SQL_SLOT}_refunds',
  'debezium.publication.autocreate.mode' = 'filtered',
  -- Updates by key, no REPLICA IDENTITY FULL needed on the OLTP tables: the planner keeps
  -- the rows' last values (ChangelogNormalize) to retract what they added before.
  'changelog-mode' = 'upsert',
  'scan.incremental.snapshot.enabled' = 'true'
);
