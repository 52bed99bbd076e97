-- One queue per endpoint, secrets sealed at rest, dead letters redriven.
--
-- sealed_secret is the endpoint's signing secret as the dispatcher sealed
-- it (AES-256-GCM). It is NULL in rows written before sealing existed:
-- their secret column keeps the plaintext until the dispatcher, started
-- with a key, seals it and empties that column.
ALTER TABLE webhook_endpoints ADD COLUMN sealed_secret BYTEA;
-- How often a dead-lettered delivery was put back in its queue. attempts
-- restarts at 0 on a redrive; the attempt log keeps numbering on.
ALTER TABLE webhook_deliveries ADD COLUMN redrives BIGINT NOT NULL DEFAULT 0;
-- An endpoint's queue: its earliest due delivery and its claims are seeks
-- on this index, whatever the backlog of other endpoints.
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(endpoint_id, state, next_attempt_at, id);
