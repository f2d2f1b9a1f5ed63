-- People around a piece: reviewers on a call's staff, invitations to join it, a second factor
-- (TOTP) with recovery codes, the profile the public sees, and each author's consent per piece.

ALTER TABLE call_staff DROP CONSTRAINT call_staff_role_check;
ALTER TABLE call_staff ADD CONSTRAINT call_staff_role_check
    CHECK (role IN ('organiser', 'editor', 'reviewer'));

-- An organiser's invitation to join a call's staff: single use, by a link mailed to `email`;
-- only the hash of the link's token is kept.
CREATE TABLE staff_invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id     BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email       TEXT   NOT NULL,
    role        TEXT   NOT NULL CHECK (role IN ('organiser', 'editor', 'reviewer')),
    token_hash  TEXT   NOT NULL CONSTRAINT staff_invitations_token_key UNIQUE,
    invited_by  TEXT   NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX staff_invitations_call ON staff_invitations (call_id, created_at);

-- TOTP (RFC 6238): the secret once enrolled, one being enrolled, and the last time step used,
-- so that a code cannot be used twice. A session records when it passed the second factor.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_pending TEXT;
ALTER TABLE users ADD COLUMN totp_enrolled_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN second_factor_at TIMESTAMPTZ;

-- Ten single-use recovery codes per enrolment, stored hashed.
CREATE TABLE recovery_codes (
    user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT   NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (user_id, code_hash)
);

-- How a person is shown to the public: name, role, organisation, bio, headshot, links.
CREATE TABLE profiles (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL,
    job_title    TEXT   NOT NULL DEFAULT '',
    organisation TEXT   NOT NULL DEFAULT '',
    bio          TEXT   NOT NULL DEFAULT '',
    links        TEXT   NOT NULL DEFAULT '',
    headshot_id  BIGINT REFERENCES assets (id),
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Each author's consent to publish a piece under their name: the byline they agreed to is kept
-- as given (a deleted account's published piece keeps only this). `email` is emptied when the
-- account is deleted; withdrawn consent keeps its row with `withdrawn_at`.
CREATE TABLE consents (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    email         TEXT,
    byline        TEXT   NOT NULL,
    given_at      TIMESTAMPTZ NOT NULL,
    withdrawn_at  TIMESTAMPTZ,
    CONSTRAINT consents_person_key UNIQUE (submission_id, email)
);
