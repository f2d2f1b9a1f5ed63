-- Every message that came in, kept with its original bytes, and what became of it. The unique
-- Message-ID makes ingestion exactly-once: the same message never makes two submissions.
CREATE TABLE inbound_messages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    TEXT        NOT NULL CONSTRAINT inbound_messages_message_id_key UNIQUE,
    sender        TEXT        NOT NULL,
    subject       TEXT        NOT NULL,
    raw           BYTEA       NOT NULL,
    outcome       TEXT        NOT NULL,
    reason        TEXT        NOT NULL DEFAULT '',
    submission_id BIGINT      REFERENCES submissions (id),
    received_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX inbound_messages_sender ON inbound_messages (sender, received_at);
CREATE INDEX inbound_messages_outcome ON inbound_messages (outcome, received_at);
