-- The bench's local store: the accepted trade-ins cache pulled from the hub,
-- what this bench did to them (units, gradings, photos), the outbox of
-- events waiting for the hub, the sync cursor and the audit log.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Cache of the hub's trade-ins. doc holds the whole intake.TradeIn as JSON;
-- the identifier columns exist to be indexed.
CREATE TABLE tradeins (
    id         TEXT PRIMARY KEY,
    reference  TEXT NOT NULL,
    status     TEXT NOT NULL,
    imei       TEXT,
    imei2      TEXT,
    meid       TEXT,
    serial     TEXT,
    tracking   TEXT,
    customer   TEXT NOT NULL DEFAULT '',
    doc        TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX tradeins_imei   ON tradeins(imei)   WHERE imei   IS NOT NULL;
CREATE INDEX tradeins_imei2  ON tradeins(imei2)  WHERE imei2  IS NOT NULL;
CREATE INDEX tradeins_meid   ON tradeins(meid)   WHERE meid   IS NOT NULL;
CREATE INDEX tradeins_serial ON tradeins(serial) WHERE serial IS NOT NULL;
CREATE INDEX tradeins_reference ON tradeins(reference);
CREATE INDEX tradeins_tracking ON tradeins(tracking) WHERE tracking IS NOT NULL;

-- IMEIs the registry says must not be bought (blacklisted, finance-locked).
CREATE TABLE imei_flags (
    imei   TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    reason TEXT NOT NULL,
    since  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE operators (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('technician', 'clerk', 'supervisor')),
    badge           TEXT UNIQUE,
    pin_hash        TEXT,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    updated_at      TEXT NOT NULL
);

-- A device physically received at this bench. One per trade-in.
CREATE TABLE units (
    tradein_id  TEXT PRIMARY KEY REFERENCES tradeins(id),
    imei        TEXT NOT NULL,
    -- rerouted: worse than disclosed, payout held for a supervisor, who
    -- declines it, counter-offers, overrides it or asks for more photos.
    state       TEXT NOT NULL CHECK (state IN ('received', 'graded', 'rerouted', 'counter-offered',
                    'photos-requested', 'accepted', 'declined')),
    operator    TEXT NOT NULL,
    bench       TEXT NOT NULL,
    received_at TEXT NOT NULL,
    event_key   TEXT NOT NULL UNIQUE
);

CREATE TABLE decisions (
    id         INTEGER PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES units(tradein_id),
    kind       TEXT NOT NULL,
    operator   TEXT NOT NULL,
    bench      TEXT NOT NULL,
    at         TEXT NOT NULL,
    doc        TEXT NOT NULL,
    event_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX decisions_tradein ON decisions(tradein_id);

-- The hub's catalog: what a walk-in can be, and what it fetches.
CREATE TABLE catalog (
    sku        TEXT PRIMARY KEY,
    make       TEXT NOT NULL,
    model      TEXT NOT NULL,
    storage    TEXT NOT NULL,
    carrier    TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX catalog_model ON catalog(make, model);

CREATE TABLE gradings (
    id         INTEGER PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES units(tradein_id),
    operator   TEXT NOT NULL,
    bench      TEXT NOT NULL,
    at         TEXT NOT NULL,
    inspection TEXT NOT NULL,
    grade      TEXT NOT NULL,
    decision   TEXT NOT NULL,
    event_key  TEXT NOT NULL UNIQUE
);
CREATE INDEX gradings_tradein ON gradings(tradein_id);

-- Photos are content-addressed: the same picture is stored once.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY,
    mime   TEXT NOT NULL,
    size   INTEGER NOT NULL,
    data   BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE photos (
    tradein_id TEXT NOT NULL REFERENCES units(tradein_id),
    sha256     TEXT NOT NULL REFERENCES blobs(sha256),
    angle      TEXT NOT NULL,
    operator   TEXT NOT NULL,
    taken_at   TEXT NOT NULL,
    PRIMARY KEY (tradein_id, sha256)
) WITHOUT ROWID;

-- Events waiting for (or settled by) the hub, in this bench's sequence.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    tradein_id TEXT NOT NULL,
    operator   TEXT NOT NULL,
    bench      TEXT NOT NULL,
    at         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'duplicate', 'rejected')),
    result     TEXT,
    settled_at TEXT
);
CREATE INDEX outbox_pending ON outbox(seq) WHERE state = 'pending';
CREATE INDEX outbox_tradein ON outbox(tradein_id) WHERE state = 'pending';

CREATE TABLE sync_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    cursor       TEXT NOT NULL DEFAULT '',
    last_pull_at TEXT,
    last_push_at TEXT
);
INSERT INTO sync_state (id) VALUES (1);

-- Append-only, hash-chained: every entry carries the hash of the one before.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    operator  TEXT NOT NULL,
    bench     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    reason    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '{}',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
