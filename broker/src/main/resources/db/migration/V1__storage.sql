-- Barrier-encrypted entries: every value is AES-256-GCM ciphertext under a per-entry data key,
-- bound to its path. key_term is the keyring term that wraps the data key (for re-wrapping).
CREATE TABLE custos_entries (
    path     text COLLATE "C" PRIMARY KEY,
    value    bytea   NOT NULL,
    key_term integer NOT NULL
);
CREATE INDEX custos_entries_key_term ON custos_entries (key_term);

-- What must be readable before the barrier is unsealed: the seal configuration, the root key
-- wrapped by the seal, and the keyring encrypted by the root key.
CREATE TABLE custos_core (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
