-- Sink schema: the console creates its own tables (replicas, offsets, windows, dead letters)
-- in the schema below when it first writes. Shared by the local stack and Docker Compose.
CREATE SCHEMA IF NOT EXISTS cdc;
