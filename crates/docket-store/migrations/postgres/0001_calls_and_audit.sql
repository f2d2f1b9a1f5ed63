-- Calls are stored whole (the checked call as JSON) with the columns queries need beside it.
CREATE TABLE calls (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        TEXT        NOT NULL CONSTRAINT calls_slug_key UNIQUE,
    title       TEXT        NOT NULL,
    deadline_at TIMESTAMPTZ NOT NULL,
    document    JSONB       NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Who did what, when: one row for every state change.
CREATE TABLE audit_events (
    id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    actor   TEXT        NOT NULL,
    action  TEXT        NOT NULL,
    subject TEXT        NOT NULL,
    detail  JSONB       NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_events_subject ON audit_events (subject, at);
