-- The copy-edit round: an editor's version of an accepted piece is a revision like any other,
-- marked as the staff's; the piece records where the round stands ('' none, 'awaiting_author',
-- 'approved', 'overridden').
ALTER TABLE revisions ADD COLUMN by_staff BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE submissions ADD COLUMN copy_edit TEXT NOT NULL DEFAULT '';
