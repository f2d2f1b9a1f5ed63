-- The editorial work: what the queue filters and searches on, decisions with their undo window,
-- internal comments, and what an editor did with a message kept for triage.

-- One row per sent piece, rewritten with each revision: the facts the queue filters and sorts on.
-- `days` is " 2022-11-15 2022-11-16 " or " any " (a LIKE '% date %' finds a day).
CREATE TABLE piece_index (
    submission_id INTEGER PRIMARY KEY REFERENCES submissions (id) ON DELETE CASCADE,
    call_id       INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    title         TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    days          TEXT    NOT NULL,
    words         INTEGER,
    length        TEXT    NOT NULL DEFAULT '',
    authors       TEXT    NOT NULL DEFAULT '',
    sent_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX piece_index_call ON piece_index (call_id, sent_at);

-- Full text of each sent piece, folded by Docket (docket_core::search::fold) before it is stored;
-- rowid is the piece's id.
CREATE VIRTUAL TABLE piece_search USING fts5 (
    title, summary, body, authors,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Editors' decisions. A decision is invisible to the author until `effective_at` (the undo
-- window): then the job runner applies it once (`applied_at`), moving the piece and sending the
-- mail written at decision time; one undone or overtaken before that never reaches them.
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    action        TEXT    NOT NULL,
    from_state    TEXT    NOT NULL,
    to_state      TEXT    NOT NULL,
    day           TEXT,
    open_until    INTEGER,
    reason        TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    mail          TEXT,
    decided_by    INTEGER NOT NULL REFERENCES users (id),
    decided_at    INTEGER NOT NULL,
    effective_at  INTEGER NOT NULL,
    undone_at     INTEGER,
    undone_by     INTEGER REFERENCES users (id),
    applied_at    INTEGER,
    lapsed        TEXT
) STRICT;
CREATE INDEX decisions_submission ON decisions (submission_id, decided_at);
CREATE INDEX decisions_due ON decisions (effective_at) WHERE applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL;

-- What an accepted piece was accepted for, and until when its author may change it after the
-- deadline (a request for changes).
ALTER TABLE submissions ADD COLUMN accepted_day TEXT;
ALTER TABLE submissions ADD COLUMN open_until INTEGER;

-- Staff's notes on a piece: never shown to contributors.
CREATE TABLE comments (
    id            INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    author_id     INTEGER NOT NULL REFERENCES users (id),
    body          TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX comments_submission ON comments (submission_id, created_at);

-- An editor's choice (call, kind, days) for a message kept for triage, kept with it so that it
-- still holds when the sender confirms a held message.
ALTER TABLE inbound_messages ADD COLUMN refile TEXT;
