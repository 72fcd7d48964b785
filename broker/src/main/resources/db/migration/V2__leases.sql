-- Leases: one row per secret that must be taken back (a database user). Nothing about a lease is
-- held in memory; expiry workers on every broker node claim due rows with FOR UPDATE SKIP LOCKED.
-- state: 0 pending (issuance not committed; rolled back when due), 1 active, 2 irrevocable.
-- due_time: when a worker should next act (the expiry, a retry after a failure, or the end of the
-- grace given to a pending issuance). data: the engine's revocation data, barrier-encrypted and
-- bound to the lease id; key_term: the keyring term wrapping its data key.
CREATE TABLE custos_leases (
    lease_id        text COLLATE "C" PRIMARY KEY,
    path            text        NOT NULL,
    token_accessor  text        NOT NULL DEFAULT '',
    issue_time      timestamptz NOT NULL,
    expire_time     timestamptz NOT NULL,
    max_expire_time timestamptz NOT NULL,
    last_renewal    timestamptz,
    ttl_seconds     bigint      NOT NULL,
    renewable       boolean     NOT NULL,
    state           smallint    NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    last_error      text,
    due_time        timestamptz NOT NULL,
    data            bytea       NOT NULL,
    key_term        integer     NOT NULL
);
CREATE INDEX custos_leases_due ON custos_leases (due_time);
CREATE INDEX custos_leases_token ON custos_leases (token_accessor) WHERE token_accessor <> '';
CREATE INDEX custos_leases_irrevocable ON custos_leases (state) WHERE state = 2;
