-- Accounts, sessions, single-use tokens, the outbox, and submissions with immutable revisions.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT        NOT NULL CONSTRAINT users_email_key UNIQUE,
    password_hash TEXT,
    confirmed_at  TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT        NOT NULL CONSTRAINT sessions_token_key UNIQUE,
    user_id      BIGINT      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE email_tokens (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    purpose       TEXT        NOT NULL,
    token_hash    TEXT        NOT NULL CONSTRAINT email_tokens_token_key UNIQUE,
    code_hash     TEXT,
    email         TEXT        NOT NULL,
    user_id       BIGINT      REFERENCES users (id) ON DELETE CASCADE,
    submission_id BIGINT,
    attempts      BIGINT      NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    used_at       TIMESTAMPTZ
);
CREATE INDEX email_tokens_email ON email_tokens (email, purpose, created_at);

CREATE TABLE outbox (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    TEXT        NOT NULL CONSTRAINT outbox_message_id_key UNIQUE,
    to_address    TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    body_text     TEXT        NOT NULL,
    body_html     TEXT        NOT NULL,
    template      TEXT        NOT NULL,
    submission_id BIGINT,
    status        TEXT        NOT NULL DEFAULT 'queued',
    attempts      BIGINT      NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    sent_at       TIMESTAMPTZ
);
CREATE INDEX outbox_status ON outbox (status, created_at);

CREATE TABLE assets (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256      TEXT        NOT NULL,
    name        TEXT        NOT NULL,
    mime        TEXT        NOT NULL,
    size        BIGINT      NOT NULL,
    bytes       BYTEA       NOT NULL,
    text        TEXT,
    uploaded_by BIGINT      NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE submissions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id     BIGINT      NOT NULL REFERENCES calls (id),
    owner_id    BIGINT      NOT NULL REFERENCES users (id),
    state       TEXT        NOT NULL,
    late        BOOLEAN     NOT NULL DEFAULT FALSE,
    draft       JSONB       NOT NULL,
    revisions   BIGINT      NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX submissions_owner ON submissions (owner_id, updated_at);

CREATE TABLE revisions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id BIGINT      NOT NULL REFERENCES submissions (id),
    number        BIGINT      NOT NULL,
    content       JSONB       NOT NULL,
    late          BOOLEAN     NOT NULL,
    created_by    BIGINT      NOT NULL REFERENCES users (id),
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT revisions_number_key UNIQUE (submission_id, number)
);

CREATE TABLE submission_members (
    submission_id BIGINT      NOT NULL REFERENCES submissions (id),
    email         TEXT        NOT NULL,
    invited_by    BIGINT      NOT NULL REFERENCES users (id),
    invited_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (submission_id, email)
);
CREATE INDEX submission_members_email ON submission_members (email);

-- Revisions are immutable: nothing a contributor sent is ever overwritten.
CREATE FUNCTION revisions_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'revisions are immutable'; END $$;
CREATE TRIGGER revisions_are_immutable BEFORE UPDATE ON revisions
FOR EACH ROW EXECUTE FUNCTION revisions_are_immutable();
