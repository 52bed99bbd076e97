-- The hub's review queue (GET /v1/reviews) as this bench last fetched it:
-- every device rerouted to Returns at any bench and waiting for a
-- supervisor. A fetch that succeeds replaces it whole; it never touches
-- units, and a device the hub lists that this bench holds itself is shown
-- from units, not from here. doc is the intake.Review the hub sent; bench
-- is the one that rerouted it (its grading's).
--
-- The photos of these devices are fetched by hash when a supervisor looks
-- at them and kept in blobs, with this bench's own: blobs is content-
-- addressed, a photo never changes, and the store's check reads it last.
--
-- IF NOT EXISTS: a test takes a store back to an older schema by dropping
-- the tables after it, and this migration is applied again.
CREATE TABLE IF NOT EXISTS remote_reviews (
    tradein_id TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('rerouted', 'photos-requested', 'counter-offered', 'accepted', 'declined')),
    bench      TEXT NOT NULL,
    doc        TEXT NOT NULL,
    fetched_at TEXT NOT NULL
) WITHOUT ROWID;

-- Decisions this bench's supervisors made on remote items (decisions
-- holds those on its own units). Until the hub settles a decision's event,
-- the item keeps the state it was decided to, whatever a fetch says: a
-- supervisor does not see it again as undecided.
CREATE TABLE IF NOT EXISTS remote_decisions (
    id         INTEGER PRIMARY KEY,
    tradein_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    operator   TEXT NOT NULL,
    bench      TEXT NOT NULL,
    at         TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    doc        TEXT NOT NULL,
    event_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS remote_decisions_tradein ON remote_decisions(tradein_id);
