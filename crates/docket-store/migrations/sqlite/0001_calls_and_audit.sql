-- Calls are stored whole (the checked call as JSON) with the columns queries need beside it.
-- Timestamps are INTEGER microseconds since the Unix epoch (UTC), so they sort and compare exactly.
CREATE TABLE calls (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL CONSTRAINT calls_slug_key UNIQUE,
    title       TEXT    NOT NULL,
    deadline_at INTEGER NOT NULL,
    document    TEXT    NOT NULL CHECK (json_valid(document)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

-- Who did what, when: one row for every state change.
CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    detail  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE INDEX audit_events_subject ON audit_events (subject, at);
