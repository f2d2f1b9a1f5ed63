-- The editorial work: what the queue filters and searches on, decisions with their undo window,
-- internal comments, and what an editor did with a message kept for triage.

-- Accents are folded with `unaccent`, installed once per database in a schema of its own (so that
-- dropping an application schema never drops it), behind an IMMUTABLE wrapper that indexes may
-- use. Docket folds the text itself too (docket_core::search::fold); this keeps the index right
-- for anything that reaches it unfolded.
CREATE SCHEMA IF NOT EXISTS docket_ext;
DO $$
DECLARE
    home TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent') THEN
        CREATE EXTENSION unaccent SCHEMA docket_ext;
    END IF;
    SELECT extnamespace::regnamespace::text INTO home FROM pg_extension WHERE extname = 'unaccent';
    EXECUTE format(
        'CREATE OR REPLACE FUNCTION docket_ext.fold(text) RETURNS text
         LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
         AS $f$ SELECT lower(%1$s.unaccent(%2$L::regdictionary, $1)) $f$',
        quote_ident(home), home || '.unaccent');
END
$$;

-- One row per sent piece, rewritten with each revision: the facts the queue filters and sorts on,
-- and the piece's text as a tsvector. `days` is " 2022-11-15 2022-11-16 " or " any ".
CREATE TABLE piece_index (
    submission_id BIGINT PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    call_id       BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    title         TEXT   NOT NULL,
    kind          TEXT   NOT NULL,
    days          TEXT   NOT NULL,
    words         BIGINT,
    length        TEXT   NOT NULL DEFAULT '',
    authors       TEXT   NOT NULL DEFAULT '',
    sent_at       TIMESTAMPTZ NOT NULL,
    document      TSVECTOR NOT NULL
);
CREATE INDEX piece_index_call ON piece_index (call_id, sent_at);
CREATE INDEX piece_index_document ON piece_index USING GIN (document);

-- Editors' decisions. A decision is invisible to the author until `effective_at` (the undo
-- window): then the job runner applies it once (`applied_at`), moving the piece and sending the
-- mail written at decision time; one undone or overtaken before that never reaches them.
CREATE TABLE decisions (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    action        TEXT   NOT NULL,
    from_state    TEXT   NOT NULL,
    to_state      TEXT   NOT NULL,
    day           TEXT,
    open_until    TIMESTAMPTZ,
    reason        TEXT   NOT NULL DEFAULT '',
    note          TEXT   NOT NULL DEFAULT '',
    mail          TEXT,
    decided_by    BIGINT NOT NULL REFERENCES users (id),
    decided_at    TIMESTAMPTZ NOT NULL,
    effective_at  TIMESTAMPTZ NOT NULL,
    undone_at     TIMESTAMPTZ,
    undone_by     BIGINT REFERENCES users (id),
    applied_at    TIMESTAMPTZ,
    lapsed        TEXT
);
CREATE INDEX decisions_submission ON decisions (submission_id, decided_at);
CREATE INDEX decisions_due ON decisions (effective_at) WHERE applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL;

ALTER TABLE submissions ADD COLUMN accepted_day TEXT;
ALTER TABLE submissions ADD COLUMN open_until TIMESTAMPTZ;

-- Staff's notes on a piece: never shown to contributors.
CREATE TABLE comments (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    author_id     BIGINT NOT NULL REFERENCES users (id),
    body          TEXT   NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX comments_submission ON comments (submission_id, created_at);

-- An editor's choice (call, kind, days) for a message kept for triage, kept with it so that it
-- still holds when the sender confirms a held message.
ALTER TABLE inbound_messages ADD COLUMN refile TEXT;
