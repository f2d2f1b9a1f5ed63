-- Accounts, sessions, single-use tokens, the outbox, and submissions with immutable revisions.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL CONSTRAINT users_email_key UNIQUE,
    password_hash TEXT,
    confirmed_at  INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT    NOT NULL CONSTRAINT sessions_token_key UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE email_tokens (
    id            INTEGER PRIMARY KEY,
    purpose       TEXT    NOT NULL,
    token_hash    TEXT    NOT NULL CONSTRAINT email_tokens_token_key UNIQUE,
    code_hash     TEXT,
    email         TEXT    NOT NULL,
    user_id       INTEGER REFERENCES users (id) ON DELETE CASCADE,
    submission_id INTEGER,
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) STRICT;
CREATE INDEX email_tokens_email ON email_tokens (email, purpose, created_at);

CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    message_id    TEXT    NOT NULL CONSTRAINT outbox_message_id_key UNIQUE,
    to_address    TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    body_text     TEXT    NOT NULL,
    body_html     TEXT    NOT NULL,
    template      TEXT    NOT NULL,
    submission_id INTEGER,
    status        TEXT    NOT NULL DEFAULT 'queued',
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
) STRICT;
CREATE INDEX outbox_status ON outbox (status, created_at);

CREATE TABLE assets (
    id          INTEGER PRIMARY KEY,
    sha256      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    mime        TEXT    NOT NULL,
    size        INTEGER NOT NULL,
    bytes       BLOB    NOT NULL,
    text        TEXT,
    uploaded_by INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    call_id     INTEGER NOT NULL REFERENCES calls (id),
    owner_id    INTEGER NOT NULL REFERENCES users (id),
    state       TEXT    NOT NULL,
    late        INTEGER NOT NULL DEFAULT 0,
    draft       TEXT    NOT NULL CHECK (json_valid(draft)),
    revisions   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX submissions_owner ON submissions (owner_id, updated_at);

CREATE TABLE revisions (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    number        INTEGER NOT NULL,
    content       TEXT    NOT NULL CHECK (json_valid(content)),
    late          INTEGER NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    INTEGER NOT NULL,
    CONSTRAINT revisions_number_key UNIQUE (submission_id, number)
) STRICT;

CREATE TABLE submission_members (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    email         TEXT    NOT NULL,
    invited_by    INTEGER NOT NULL REFERENCES users (id),
    invited_at    INTEGER NOT NULL,
    PRIMARY KEY (submission_id, email)
) STRICT;
CREATE INDEX submission_members_email ON submission_members (email);

-- Revisions are immutable: nothing a contributor sent is ever overwritten.
CREATE TRIGGER revisions_are_immutable BEFORE UPDATE ON revisions
BEGIN SELECT RAISE(ABORT, 'revisions are immutable'); END;
