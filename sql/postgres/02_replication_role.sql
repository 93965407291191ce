-- A least-privilege role for Sluice: it reads, it never owns or writes your tables.
-- Edit the database name (app), the table list and the password first. Two people run it:
--
--   Part 1, a superuser (or a role with CREATEROLE that has REPLICATION itself):
--     the login role, its REPLICATION attribute (to read the replication slot) and its SELECT
--     grants (for the snapshot).
--   Part 2, the owner of the tables (or a superuser):
--     the publication. Postgres lets only a table's owner publish it, so the Sluice role cannot
--     create or extend the publication itself; Sluice finds this one (postgres.publication:
--     sluice) covering its tables and uses it as it is. A table added to postgres.tables later
--     needs ALTER PUBLICATION sluice ADD TABLE ... by its owner; the job says so at start.
--
-- Sluice also writes logical decoding messages into the WAL (pg_logical_emit_message: its
-- resync anchors and checkpoint heartbeats); that needs no table and no further grant.
-- postgresql.conf: wal_level = logical (restart needed), max_replication_slots and
-- max_wal_senders at least the number of Sluice jobs plus one per snapshot reader.
-- ./sluice demo and RoleIT (jobs/src/test) run this file as it is (database name and password
-- filled in), then the analytics job as this role.

-- Part 1 (a superuser) ---------------------------------------------------------------------
CREATE ROLE sluice WITH LOGIN REPLICATION PASSWORD 'change-me';
GRANT CONNECT ON DATABASE app TO sluice;
GRANT USAGE ON SCHEMA public TO sluice;
GRANT SELECT ON users, events, orders, subscriptions, refunds TO sluice;

-- Part 2 (the tables' owner) ---------------------------------------------------------------
-- publish_via_partition_root needs Postgres 13; on Postgres 18, add
-- publish_generated_columns = stored to mirror stored generated columns.
CREATE PUBLICATION sluice FOR TABLE users, events, orders, subscriptions, refunds
    WITH (publish_via_partition_root = true);
