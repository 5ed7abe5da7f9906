-- Sink schema: the console creates its own tables (replicas, offsets, windows, dead letters)
-- in the schema below when it first writes. Shared by the local stack and Docker Compose.
CREATE SCHEMA IF NOT EXISTS cdc;

-- Roles for the console's TLS tests and examples (pg_hba.conf: cdc_tls only over TLS with its
-- password, cdc_cert only with the stack's client certificate). Read-only: what the console
-- writes in cdc, and the statistics.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_tls') THEN
        CREATE ROLE cdc_tls LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cdc_cert') THEN
        CREATE ROLE cdc_cert LOGIN;
    END IF;
END $$;
-- Fixed, as postgres/postgres is: a development stack's well-known password.
ALTER ROLE cdc_tls PASSWORD 'tls-only-pw';
GRANT pg_monitor TO cdc_tls, cdc_cert;
GRANT USAGE ON SCHEMA cdc TO cdc_tls, cdc_cert;
GRANT SELECT ON ALL TABLES IN SCHEMA cdc TO cdc_tls, cdc_cert;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA cdc GRANT SELECT ON TABLES TO cdc_tls, cdc_cert;
