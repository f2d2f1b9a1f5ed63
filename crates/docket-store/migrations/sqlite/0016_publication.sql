-- The week goes live. An accepted piece is placed on one day (`accepted_day`), in an order within
-- it (`day_position`) and at a time (`publish_at`); a note says why it is on a day it was not offered
-- for. Scheduling writes a publish job; publishing freezes the revision shown (`published_revision`)
-- and taking a piece down keeps when (`unpublished_at`), so that its address answers 410 Gone.
-- `partner` says whether the partner programme's feed takes the piece.
ALTER TABLE submissions ADD COLUMN day_position INTEGER;
ALTER TABLE submissions ADD COLUMN publish_at INTEGER;
ALTER TABLE submissions ADD COLUMN placement_note TEXT NOT NULL DEFAULT '';
ALTER TABLE submissions ADD COLUMN published_at INTEGER;
ALTER TABLE submissions ADD COLUMN published_revision INTEGER;
ALTER TABLE submissions ADD COLUMN unpublished_at INTEGER;
ALTER TABLE submissions ADD COLUMN partner INTEGER NOT NULL DEFAULT 1;
CREATE INDEX submissions_public ON submissions (call_id, state, published_at);

-- A piece's public addresses within its call: the current one, and earlier ones that redirect.
-- When a taken-down piece is erased (retention, a deleted account) its addresses stay, with no
-- piece, so that they go on answering 410 Gone and are never given to another piece.
CREATE TABLE piece_slugs (
    call_id       INTEGER NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    slug          TEXT    NOT NULL,
    submission_id INTEGER REFERENCES submissions (id) ON DELETE SET NULL,
    current       INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL,
    -- Set once the piece went live: only such an address answers 410 when its piece is gone.
    public        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (call_id, slug)
) STRICT;
CREATE INDEX piece_slugs_submission ON piece_slugs (submission_id);

-- Bumped whenever the public week changes (a piece published or taken down), with when, so that
-- every node's cache of rendered public pages knows its copy is stale (and Last-Modified is right).
ALTER TABLE calls ADD COLUMN week_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN week_changed_at INTEGER;
