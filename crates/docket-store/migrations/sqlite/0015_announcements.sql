-- Announcements: an organiser's update on a call, shown on its page and emailed to its
-- contributors and pledgers, who may unsubscribe in one click (RFC 8058) from announcements
-- only. Each announcement email carries its own unsubscribe token, stored hashed.
CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY,
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    posted_by  INTEGER NOT NULL REFERENCES users (id),
    posted_at  INTEGER NOT NULL,
    recipients INTEGER NOT NULL
) STRICT;
CREATE INDEX announcements_call ON announcements (call_id, posted_at);

CREATE TABLE unsubscribe_tokens (
    token_hash TEXT    PRIMARY KEY,
    call_id    INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL
) STRICT;

CREATE TABLE unsubscribes (
    call_id INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email   TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (call_id, email)
) STRICT;

ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
