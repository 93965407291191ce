-- A least-privilege role for Sluice (run as a superuser; set the password from your secret store).
-- Sluice needs: REPLICATION (to read the slot), SELECT on the captured tables (for the snapshot),
-- and either ownership of the publication or CREATE on the database (to create it).
-- Sluice creates the publication itself, for exactly the tables in postgres.tables:
--   CREATE PUBLICATION sluice FOR TABLE users, events, orders, subscriptions, refunds
--     WITH (publish_via_partition_root = true);
CREATE ROLE sluice WITH LOGIN REPLICATION PASSWORD 'change-me';
GRANT CONNECT ON DATABASE app TO sluice;
GRANT CREATE ON DATABASE app TO sluice;
GRANT USAGE ON SCHEMA public TO sluice;
GRANT SELECT ON users, events, orders, subscriptions, refunds TO sluice;
-- postgresql.conf: wal_level = logical (restart needed), max_replication_slots and
-- max_wal_senders at least the number of Sluice jobs plus one per snapshot reader.
