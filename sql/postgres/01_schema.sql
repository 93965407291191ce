-- The sample SaaS schema Sluice's demo and tests write to (and the source contract of the
-- analytics jobs: events and users). Safe to run twice.

CREATE TABLE IF NOT EXISTS users (
    user_id     bigint PRIMARY KEY,
    email       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    plan        text NOT NULL DEFAULT 'free',
    country     char(2),
    attributes  jsonb NOT NULL DEFAULT '{}'
);

-- The analytics job's source contract (docs/analytics.md). Column names are mappable with
-- analytics.columns.* in sluice.yaml; the job checks them at start.
--   event_id     unique id of the event (uuid or text); the dedupe key
--   user_id      text or bigint; NULL makes the row a dead letter
--   occurred_at  event time, timestamptz (or timestamp in UTC); NULL or more than
--                analytics.max-future-skew ahead makes the row a dead letter
--   event_name   text; the rollups' dimension
--   properties   jsonb (json, or text holding JSON) object; anything else is a dead letter.
--                analytics.promoted-properties become typed columns, pii.property-keys are hashed
-- Updating a row corrects the event (the latest version wins everywhere); deleting it removes
-- the event from analytics.events and from every rollup it fed. Writing the same event again
-- (INSERT ... ON CONFLICT (event_id) DO UPDATE with the same values) counts once.
CREATE TABLE IF NOT EXISTS events (
    event_id     uuid PRIMARY KEY,
    user_id      bigint,
    occurred_at  timestamptz,
    event_name   text NOT NULL,
    properties   jsonb
);

CREATE TABLE IF NOT EXISTS orders (
    order_id     bigint PRIMARY KEY,
    user_id      bigint NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL,
    amount       numeric(12,2) NOT NULL,
    currency     char(3) NOT NULL DEFAULT 'USD',
    items        text[] NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS subscriptions (
    subscription_id  bigint PRIMARY KEY,
    user_id          bigint NOT NULL,
    plan             text NOT NULL,
    mrr              numeric(10,2) NOT NULL,
    started_at       date NOT NULL,
    canceled_at      date
);

CREATE TABLE IF NOT EXISTS refunds (
    refund_id   bigint PRIMARY KEY,
    order_id    bigint NOT NULL,
    amount      numeric(12,2) NOT NULL,
    reason      text,
    refunded_at timestamptz NOT NULL DEFAULT now()
);
