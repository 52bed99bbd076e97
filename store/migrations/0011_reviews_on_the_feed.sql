-- The hub's review queue and its quarantine shelf come on the changes feed
-- now, item by item with the trade-ins (store.Changes), instead of whole
-- from GET /v1/reviews: a page upserts and deletes items, and a resync
-- sweeps those it did not send again, by pull generation, as it does the
-- rest of the cache.
--
-- An item no longer holds its trade-in: the feed sends that in tradeins,
-- and the queue is read joined with it. doc is the intake.Review without
-- its trade-in; state is apart because a decision made here changes it
-- (remote_decisions); since is its grading's time, the queue's order,
-- which no longer comes from the position in a fetched list.
--
-- The rows the last fetch kept are dropped, not converted: they hold their
-- trade-ins, which the cache may not, and the bench's next pull is a full
-- resync anyway (its view of the feed changes), which sends them again.
--
-- remote_reviews is dropped, not altered: a test takes a store back to an
-- older schema and applies 0008 to 0011 again, and 0008's IF NOT EXISTS
-- leaves this table as it is; so does the shelf's IF NOT EXISTS below.
DROP TABLE remote_reviews;
CREATE TABLE remote_reviews (
    tradein_id TEXT PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state IN ('rerouted', 'photos-requested', 'counter-offered', 'accepted', 'declined')),
    bench      TEXT NOT NULL,
    since      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    pull_gen   INTEGER NOT NULL
) WITHOUT ROWID;

-- The devices set aside at any bench of the hub, keyed by the event that
-- set each aside; doc is the intake.QuarantinedDevice, at its time, the
-- shelf's order.
CREATE TABLE IF NOT EXISTS remote_quarantines (
    event_key TEXT PRIMARY KEY,
    bench     TEXT NOT NULL,
    at        TEXT NOT NULL,
    doc       TEXT NOT NULL,
    pull_gen  INTEGER NOT NULL
) WITHOUT ROWID;

-- When the last fetch was asked no longer says anything about the queue
-- kept here: the pull that reaches the end of the feed notes its own time,
-- under another key (store.metaLogReadAt). Until then a bench takes its
-- own units as it recorded them, as one that never fetched did.
DELETE FROM meta WHERE key = 'remote reviews fetched at';
