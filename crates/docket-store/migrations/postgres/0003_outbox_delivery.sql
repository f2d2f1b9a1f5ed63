-- Delivery state for the outbox worker: a lease so that several workers never take the same row,
-- and a time for the next attempt after a failure.
ALTER TABLE outbox ADD COLUMN next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT 'epoch';
ALTER TABLE outbox ADD COLUMN lease_until TIMESTAMPTZ;
ALTER TABLE outbox ADD COLUMN leased_by TEXT;
ALTER TABLE outbox ADD COLUMN last_error TEXT;
