-- Sites: the warehouses and stores benches work at. A bench, an operator
-- and a trade-in may belong to one; none (NULL, and every row before this
-- migration) means "every site", so a hub with no sites behaves as before.
-- A bench of a site pulls its site's trade-ins and operators and those of
-- no site; a bench of no site pulls everything.
CREATE TABLE sites (
    id         TEXT PRIMARY KEY, -- a slug: [a-z0-9-], 1 to 40
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('warehouse', 'store')),
    created_at TEXT NOT NULL
);

-- A bench's site, by bench name: it holds across enrollments, as the audit
-- heads do.
CREATE TABLE bench_sites (
    bench       TEXT PRIMARY KEY,
    site_id     TEXT NOT NULL REFERENCES sites(id),
    assigned_at TEXT NOT NULL
);

-- The site a trade-in is expected at (shipped to) or belongs to, and an
-- operator's. The hub checks the site exists; no foreign key, so that the
-- column can be taken out again (SQLite drops no column a key names).
ALTER TABLE tradeins ADD COLUMN site_id TEXT;
ALTER TABLE operators ADD COLUMN site_id TEXT;

-- A trade-in or operator that moves to another site leaves the benches of
-- the one before: the move logs a "left" entry (entity tradein_left or
-- operator_left, op delete), served to those benches as a delete of the
-- entity. subject is the entity's id, site the site it left ('' when it
-- had none, so every site's benches held it); entity_id is both, so each
-- (entity, site left) keeps one entry like any other. NULL on the log's
-- other entries.
ALTER TABLE changes ADD COLUMN subject TEXT;
ALTER TABLE changes ADD COLUMN site TEXT;
