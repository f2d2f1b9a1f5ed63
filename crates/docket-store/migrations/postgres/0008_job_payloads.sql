-- A job's kind and what it needs, as one typed value (docket_core::status::JobSpec) in JSON.
-- Rows written before this column existed have none; Job::spec reads them from kind and call_id.
ALTER TABLE jobs ADD COLUMN payload jsonb;
