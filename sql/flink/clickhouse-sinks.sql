-- ClickHouse tables written by the Sluice `clickhouse` connector (an upsert sink: one row per
-- change in a ReplacingMergeTree(_version) table with _is_deleted; read them with
-- `FINAL ... WHERE _is_deleted = 0`). The connector creates a missing table from this schema.
-- The password comes from the TaskManagers' environment (SLUICE_CLICKHOUSE_PASSWORD), never from
-- the DDL.

CREATE TABLE events_per_minute_sql (
  `minute`   TIMESTAMP(0),
  event_name STRING,
  events     BIGINT,
  PRIMARY KEY (`minute`, event_name) NOT ENFORCED
) WITH (
  'connector' = 'clickhouse',
  'url' = '${SLUICE_CLICKHOUSE_URL}',
  'database' = '${SLUICE_CLICKHOUSE_DATABASE}',
  'table-name' = 'events_per_minute_sql',
  'username' = '${SLUICE_CLICKHOUSE_USER}'
);

CREATE TABLE revenue_daily_sql (
  `day`    DATE,
  currency STRING,
  orders   BIGINT,
  gross    DECIMAL(18, 2),
  refunds  DECIMAL(18, 2),
  net      DECIMAL(18, 2),
  PRIMARY KEY (`day`, currency) NOT ENFORCED
) WITH (
  'connector' = 'clickhouse',
  'url' = '${SLUICE_CLICKHOUSE_URL}',
  'database' = '${SLUICE_CLICKHOUSE_DATABASE}',
  'table-name' = 'revenue_daily_sql',
  'username' = '${SLUICE_CLICKHOUSE_USER}'
);
