-- Two rollups in SQL, one job: events per minute per name, and revenue per UTC day and currency
-- from orders and refunds (docs/finance.md's definition of revenue_daily: orders pending,
-- canceled, cancelled or failed are left out, and a refund counts on its day, in its order's
-- currency). Updates and deletes in Postgres retract what the rows added before.
-- Run after cdc-sources.sql and clickhouse-sinks.sql:
--   ./sluice sql -i sql/flink/cdc-sources.sql -i sql/flink/clickhouse-sinks.sql -f sql/flink/rollups.sql
SET 'pipeline.name' = 'sluice-sql-rollups';

-- (The SQL client takes a statement set only when EXECUTE opens the statement: no comment here.)
EXECUTE STATEMENT SET
BEGIN

INSERT INTO events_per_minute_sql
SELECT CAST(FLOOR(CAST(occurred_at AS TIMESTAMP(6)) TO MINUTE) AS TIMESTAMP(0)), event_name, COUNT(*)
FROM events
WHERE occurred_at IS NOT NULL AND event_name IS NOT NULL
GROUP BY CAST(FLOOR(CAST(occurred_at AS TIMESTAMP(6)) TO MINUTE) AS TIMESTAMP(0)), event_name;

INSERT INTO revenue_daily_sql
SELECT
  COALESCE(o.`day`, r.`day`),
  COALESCE(o.currency, r.currency),
  COALESCE(o.orders, 0),
  COALESCE(o.gross, 0),
  COALESCE(r.refunds, 0),
  COALESCE(o.gross, 0) - COALESCE(r.refunds, 0)
FROM (
  SELECT CAST(CAST(created_at AS TIMESTAMP(6)) AS DATE) AS `day`, currency,
         COUNT(*) AS orders, CAST(SUM(amount) AS DECIMAL(18, 2)) AS gross
  FROM orders
  WHERE status NOT IN ('pending', 'canceled', 'cancelled', 'failed')
  GROUP BY CAST(CAST(created_at AS TIMESTAMP(6)) AS DATE), currency
) o
FULL OUTER JOIN (
  SELECT CAST(CAST(rf.refunded_at AS TIMESTAMP(6)) AS DATE) AS `day`, od.currency,
         CAST(SUM(rf.amount) AS DECIMAL(18, 2)) AS refunds
  FROM refunds rf JOIN orders od ON rf.order_id = od.order_id
  GROUP BY CAST(CAST(rf.refunded_at AS TIMESTAMP(6)) AS DATE), od.currency
) r
ON o.`day` = r.`day` AND o.currency = r.currency;

END;
