-- Announcements: an organiser's update on a call, shown on its page and emailed to its
-- contributors and pledgers, who may unsubscribe in one click (RFC 8058) from announcements
-- only. Each announcement email carries its own unsubscribe token, stored hashed.
CREATE TABLE announcements (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id    BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    title      TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    posted_by  BIGINT NOT NULL REFERENCES users (id),
    posted_at  TIMESTAMPTZ NOT NULL,
    recipients BIGINT NOT NULL
);
CREATE INDEX announcements_call ON announcements (call_id, posted_at);

CREATE TABLE unsubscribe_tokens (
    token_hash TEXT   PRIMARY KEY,
    call_id    BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email      TEXT   NOT NULL
);

CREATE TABLE unsubscribes (
    call_id BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    email   TEXT   NOT NULL,
    at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, email)
);

ALTER TABLE outbox ADD COLUMN list_unsubscribe TEXT;
