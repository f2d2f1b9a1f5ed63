-- Reviews: who reviews which piece, what they declared a conflict with, and what they wrote.

-- A piece assigned to a member of the call's staff for review.
CREATE TABLE review_assignments (
    submission_id  BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    reviewer_email TEXT    NOT NULL,
    assigned_by    BIGINT REFERENCES users (id),
    assigned_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (submission_id, reviewer_email)
);
CREATE INDEX review_assignments_reviewer ON review_assignments (reviewer_email);

-- What a reviewer declared a conflict of interest with, per call: an organisation (matched
-- without case against each author's organisation) or an address (an exact address, or
-- `@domain` for a whole domain, matched against the owner's and co-authors' addresses).
CREATE TABLE review_conflicts (
    call_id        BIGINT NOT NULL REFERENCES calls (id) ON DELETE CASCADE,
    reviewer_email TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('organisation', 'address')),
    value          TEXT    NOT NULL,
    PRIMARY KEY (call_id, reviewer_email, kind, value)
);

-- One review per reviewer and piece, which its reviewer may edit.
CREATE TABLE reviews (
    submission_id  BIGINT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    reviewer_email TEXT    NOT NULL,
    score          BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    recommendation TEXT    NOT NULL CHECK (recommendation IN ('accept', 'accept_with_changes', 'reject')),
    checklist      JSONB   NOT NULL DEFAULT '[]',
    comments       TEXT    NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (submission_id, reviewer_email)
);

-- Passages an editor hides from reviewers (an author who names themselves in the text).
ALTER TABLE submissions ADD COLUMN blanked JSONB NOT NULL DEFAULT '[]';
