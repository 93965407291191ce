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
