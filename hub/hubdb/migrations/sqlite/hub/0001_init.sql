-- The hub's authoritative state: the catalog, the trade-ins and what benches
-- did to them, the device registry, operators, enrolled benches and their
-- event streams, and the change log benches pull from.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every entity table keeps its wire JSON in doc, so a page of changes is
-- served without re-encoding; the other columns exist to be queried.
CREATE TABLE variants (
    sku        TEXT PRIMARY KEY,
    make       TEXT NOT NULL,
    model      TEXT NOT NULL,
    storage    TEXT NOT NULL,
    carrier    TEXT NOT NULL,
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX variants_lookup ON variants(make, model, storage, carrier);

CREATE TABLE tradeins (
    id         TEXT PRIMARY KEY,
    status     TEXT NOT NULL,
    imei       TEXT,
    imei2      TEXT,
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tradeins_imei  ON tradeins(imei)  WHERE imei  IS NOT NULL;
CREATE INDEX tradeins_imei2 ON tradeins(imei2) WHERE imei2 IS NOT NULL;

-- The device registry: IMEIs that must not be bought.
CREATE TABLE imei_flags (
    imei    TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('blacklisted', 'finance-locked', 'unpaid')),
    balance INTEGER NOT NULL DEFAULT 0,
    doc     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE operators (
    id   TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('technician', 'clerk', 'supervisor')),
    doc  TEXT NOT NULL
);

-- One receipt per trade-in, whichever bench got there first: the primary
-- key is the arbiter.
CREATE TABLE receipts (
    tradein_id TEXT PRIMARY KEY REFERENCES tradeins(id),
    imei       TEXT NOT NULL,
    operator   TEXT NOT NULL,
    bench      TEXT NOT NULL,
    at         TEXT NOT NULL,
    event_key  TEXT NOT NULL UNIQUE
);

CREATE TABLE gradings (
    event_key  TEXT PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES tradeins(id),
    bench      TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX gradings_tradein ON gradings(tradein_id);

-- A device rerouted to Returns: its payout is held for a supervisor.
CREATE TABLE reroutes (
    event_key   TEXT PRIMARY KEY,
    tradein_id  TEXT NOT NULL REFERENCES tradeins(id),
    bench       TEXT NOT NULL,
    decision    TEXT NOT NULL,
    payout_held INTEGER NOT NULL DEFAULT 1
);

-- A supervisor's ruling on a rerouted device.
CREATE TABLE decisions (
    event_key  TEXT PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES tradeins(id),
    bench      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX decisions_tradein ON decisions(tradein_id);

-- A walk-in bought at a store counter, and what the store owes for it.
CREATE TABLE walkins (
    event_key     TEXT PRIMARY KEY,
    tradein_id    TEXT NOT NULL UNIQUE REFERENCES tradeins(id),
    bench         TEXT NOT NULL,
    payout_method TEXT NOT NULL,
    payout_cents  INTEGER NOT NULL
);

CREATE TABLE enrollments (
    id         INTEGER PRIMARY KEY,
    bench      TEXT NOT NULL,
    code_hash  TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

-- A bench token is one enrollment of a bench and carries its event stream:
-- last_seq is the last sequence number applied, 0 before the first.
CREATE TABLE bench_tokens (
    id         INTEGER PRIMARY KEY,
    bench      TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    last_seq   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX bench_tokens_bench ON bench_tokens(bench);

-- Every event a bench pushed, applied or rejected, with the answer given.
CREATE TABLE events (
    token_id    INTEGER NOT NULL REFERENCES bench_tokens(id),
    seq         INTEGER NOT NULL,
    key         TEXT NOT NULL UNIQUE,
    body_hash   TEXT NOT NULL,
    bench       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    tradein_id  TEXT NOT NULL,
    operator    TEXT NOT NULL,
    at          TEXT NOT NULL,
    payload     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'rejected')),
    result      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (token_id, seq)
);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE,
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE blobs (
    id         INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL UNIQUE,
    size       INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    data       BLOB NOT NULL,
    bench      TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- The change log. seq is assigned by the single writer inside the
-- transaction that makes the change, so it follows commit order and a
-- reader resuming after seq N can never miss a change. An entity keeps only
-- its latest entry (REPLACE moves it to a new seq); deletes stay as
-- tombstones until compaction, which moves the horizon in meta.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entity    TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    op        TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    at        TEXT NOT NULL,
    UNIQUE (entity, entity_id)
);
CREATE INDEX changes_tombstones ON changes(at) WHERE op = 'delete';
