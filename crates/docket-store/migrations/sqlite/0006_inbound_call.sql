-- Which call an inbound message was read for, when Docket could tell: the call's console lists
-- its messages, triage first.
ALTER TABLE inbound_messages ADD COLUMN call_id INTEGER REFERENCES calls (id);
CREATE INDEX inbound_messages_call ON inbound_messages (call_id, id);
