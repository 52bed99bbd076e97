-- A supervisor's decision carries the hub's grant of the supervisor's
-- session and the session's signature of the event (intake.Grant): the hub
-- takes no role a bench merely claims. Empty for every other event.
ALTER TABLE outbox ADD COLUMN grant_token TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN proof TEXT NOT NULL DEFAULT '';
