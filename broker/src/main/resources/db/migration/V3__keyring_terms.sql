-- The barrier keyring, one row per term, insert only: a term once written is never rewritten, so
-- no node can put back an older keyring than the one stored. value: the term's key and install
-- time, AES-GCM under the root key, bound to the term number. encryptions: how many values were
-- encrypted under the term on every node together, incremented atomically by each node's deltas.
-- New terms are inserted under an advisory lock with a check of the highest stored term.
CREATE TABLE custos_keyring_terms (
    term        integer PRIMARY KEY,
    value       bytea   NOT NULL,
    encryptions bigint  NOT NULL DEFAULT 0
);
