-- Attempts counted against a rate limit (signing in, asking for a code, making an account), in
-- the database so that every node enforces one limit. A key is hashed (an address or a client
-- network is not kept in the clear); rows older than the longest window are pruned as new ones
-- come in.
CREATE TABLE rate_attempts (
    id       BIGSERIAL   PRIMARY KEY,
    key_hash TEXT        NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX rate_attempts_key_at ON rate_attempts (key_hash, at);
CREATE INDEX rate_attempts_at ON rate_attempts (at);
