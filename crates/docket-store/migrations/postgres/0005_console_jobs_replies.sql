-- The organiser's side: who runs each call, the call's own wording of its emails, durable jobs
-- (deadline reminders), and what ties a mail to a call and lets a reply find its piece.

-- Which call a mail concerns (the organiser's outbox page shows these), and the Reply-To it carries.
ALTER TABLE outbox ADD COLUMN call_id BIGINT REFERENCES calls (id);
ALTER TABLE outbox ADD COLUMN reply_to TEXT;
CREATE INDEX outbox_call ON outbox (call_id, id);

-- The secret half of a piece's reply address (`inbox+s42-TOKEN@…`): a reply to it finds the piece
-- even when the mail client drops In-Reply-To.
ALTER TABLE submissions ADD COLUMN reply_token TEXT;
CREATE INDEX submissions_call_state ON submissions (call_id, state);

-- People who run a call, by address: they sign in like anyone else and see its console.
CREATE TABLE call_staff (
    call_id  BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email    TEXT    NOT NULL,
    role     TEXT    NOT NULL CHECK (role IN ('organiser', 'editor')),
    added_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, email)
);
CREATE INDEX call_staff_email ON call_staff (email);

-- A call's own wording of one email, replacing Docket's default.
CREATE TABLE mail_templates (
    call_id    BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body_text  TEXT    NOT NULL,
    body_html  TEXT    NOT NULL,
    updated_by TEXT    NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, kind)
);

-- Durable background work, leased like the outbox so that several nodes never run a job twice at
-- once. The unique key makes scheduling idempotent.
CREATE TABLE jobs (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT    NOT NULL,
    key         TEXT    NOT NULL CONSTRAINT jobs_key_key UNIQUE,
    call_id     BIGINT REFERENCES calls (id) ON DELETE CASCADE,
    run_at TIMESTAMPTZ NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'queued',
    attempts    BIGINT NOT NULL DEFAULT 0,
    lease_until TIMESTAMPTZ,
    leased_by   TEXT,
    last_error  TEXT,
    outcome     TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    done_at TIMESTAMPTZ
);
CREATE INDEX jobs_due ON jobs (status, run_at);
