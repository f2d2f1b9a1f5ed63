-- Pledges: someone's word that they will contribute to a call (kind or not yet known, days, a
-- working title), by email or on the web. One record from promise to piece: `submission_id` is
-- the piece it led to (fulfilled once that piece is sent). `reply_token` is the secret half of
-- the answer's reply address, so that a reply carrying the piece finds the pledge.
CREATE TABLE pledges (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id       BIGINT      NOT NULL REFERENCES calls (id),
    owner_id      BIGINT      NOT NULL REFERENCES users (id),
    state         TEXT        NOT NULL,
    pledge        JSONB       NOT NULL,
    submission_id BIGINT      REFERENCES submissions (id),
    reply_token   TEXT        NOT NULL,
    note          TEXT        NOT NULL DEFAULT '',
    source        TEXT        NOT NULL,
    sender_trust  TEXT,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX pledges_call ON pledges (call_id);
CREATE INDEX pledges_owner ON pledges (owner_id);
