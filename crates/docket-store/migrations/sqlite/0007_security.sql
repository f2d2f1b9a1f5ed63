-- What the security review asked of the store.

-- Secrets the whole deployment shares (the key that signs CSRF tokens), made once by whichever
-- node asks first, so that several nodes agree without configuration.
CREATE TABLE site_secrets (
    name       TEXT    PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Site-wide settings and marks (`demo`: this database was made by `docket demo`).
CREATE TABLE site_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Site administrators: they see every call and the mail Docket could tie to none.
CREATE TABLE site_admins (
    email    TEXT    PRIMARY KEY,
    added_at INTEGER NOT NULL
) STRICT;

-- A mail that must be queued once (a reminder a job may run twice) carries a key of its own;
-- Message-IDs are random and say nothing of what the mail is about.
ALTER TABLE outbox ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX outbox_idempotency_key ON outbox (idempotency_key);
CREATE INDEX outbox_to_template ON outbox (to_address, template, created_at);

-- How Docket knew who sent a message (`not_verified`, `reply_address`, `docket_message`,
-- `confirmed_by_link`), and the same for the piece it made: staff see it wherever they see either.
ALTER TABLE inbound_messages ADD COLUMN sender_trust TEXT NOT NULL DEFAULT 'not_verified';
ALTER TABLE submissions ADD COLUMN sender_trust TEXT;

-- A confirmation token may be for held mail.
ALTER TABLE email_tokens ADD COLUMN inbound_id INTEGER REFERENCES inbound_messages (id);
