-- Source schema: an e-commerce order book captured by Debezium.
-- Shared by the local stack (compose/local) and Docker Compose (mounted into the init directory).
-- Idempotent: the local stack applies it on every `up`.

CREATE TABLE IF NOT EXISTS public.orders (
    order_id      bigserial     PRIMARY KEY,
    user_id       bigint        NOT NULL,
    customer_name text          NOT NULL,
    amount        numeric(12,2) NOT NULL,
    status        text          NOT NULL DEFAULT 'pending',
    created_at    timestamptz   NOT NULL DEFAULT now(),
    updated_at    timestamptz   NOT NULL DEFAULT now()
);
-- FULL: update and delete events carry the whole old row in `before`, which retractions need.
ALTER TABLE public.orders REPLICA IDENTITY FULL;

-- Order lines: a composite key, so nothing downstream may assume a single bigint key.
-- item_id is a UUID, for consumers that key by it.
CREATE TABLE IF NOT EXISTS public.order_items (
    order_id    bigint        NOT NULL,
    line_no     integer       NOT NULL,
    item_id     uuid          NOT NULL DEFAULT gen_random_uuid(),
    sku         text          NOT NULL,
    quantity    integer       NOT NULL,
    unit_price  numeric(10,2) NOT NULL,
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, line_no)
);
ALTER TABLE public.order_items REPLICA IDENTITY FULL;

-- Debezium's signalling table (connector property signal.data.collection): the console inserts
-- execute-snapshot, stop-, pause- and resume-snapshot signals here (the source channel), and
-- Debezium writes its incremental-snapshot watermarks here whichever channel sent the signal.
-- The connector adds it to its filtered publication itself (Debezium's table filter always
-- includes the signal table), which is why it is captured. The connector's role (postgres) owns
-- it; a connector running as another role needs INSERT on it (and ownership to publish it).
CREATE TABLE IF NOT EXISTS public.debezium_signal (
    id    varchar(64)   PRIMARY KEY,
    type  varchar(32)   NOT NULL,
    data  varchar(4096) NULL
);
GRANT SELECT, INSERT, DELETE ON public.debezium_signal TO postgres;

-- Roles for the console's TLS tests and examples (pg_hba.conf: cdc_tls only over TLS with its
-- password, cdc_cert only with the stack's client certificate). Created here, so both stacks
-- have them; read-only: the captured tables, the replication slots and the statistics.
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
GRANT USAGE ON SCHEMA public TO cdc_tls, cdc_cert;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO cdc_tls, cdc_cert;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT SELECT ON TABLES TO cdc_tls, cdc_cert;
