-- The trade-in's whole life: customers and their submissions, offers, IMEI
-- checks, shipments, units, and the payout and stock ledgers. Every
-- trade-in, whatever its source, is a row of tradeins in one status machine.

-- Where a trade-in came from, the id it has in the system it was imported
-- from (re-importing a row finds it by that), and the customer account that
-- submitted it.
ALTER TABLE tradeins ADD COLUMN source TEXT NOT NULL DEFAULT 'demo';
ALTER TABLE tradeins ADD COLUMN external_id TEXT;
ALTER TABLE tradeins ADD COLUMN customer_id TEXT;
ALTER TABLE tradeins ADD COLUMN created_at TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX tradeins_external ON tradeins(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX tradeins_status ON tradeins(status, updated_at);
CREATE INDEX tradeins_customer ON tradeins(customer_id) WHERE customer_id IS NOT NULL;

-- Each status move, by whom and why: a declined submission is archived
-- with its reason here.
CREATE TABLE tradein_history (
    id         INTEGER PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES tradeins(id),
    from_status TEXT NOT NULL,
    to_status  TEXT NOT NULL,
    actor      TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    at         TEXT NOT NULL
);
CREATE INDEX tradein_history_tradein ON tradein_history(tradein_id, id);

-- Customer accounts of the Upgrade API (seed 003). password_hash is an
-- argon2id PHC string; doc is the profile.
CREATE TABLE customers (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    doc           TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

-- A customer's login: the token itself is never stored.
CREATE TABLE customer_sessions (
    token_hash  TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
) WITHOUT ROWID;
CREATE INDEX customer_sessions_customer ON customer_sessions(customer_id);

-- Photos a customer uploaded; the bytes are a blob like a bench's photos.
CREATE TABLE customer_photos (
    id          TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    sha256      TEXT NOT NULL,
    mime        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX customer_photos_sha ON customer_photos(sha256);

-- Offers sent for a trade-in; the newest open one is the one the customer
-- may answer.
CREATE TABLE offers (
    id          TEXT PRIMARY KEY,
    tradein_id  TEXT NOT NULL REFERENCES tradeins(id),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    notes       TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'declined', 'superseded')),
    reason      TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX offers_tradein ON offers(tradein_id, created_at);

-- IMEI checks run before quoting (seed 001): the registry's answer then.
CREATE TABLE imei_checks (
    id         INTEGER PRIMARY KEY,
    tradein_id TEXT NOT NULL REFERENCES tradeins(id),
    imei       TEXT NOT NULL,
    status     TEXT NOT NULL,
    reason     TEXT NOT NULL,
    carrier    TEXT NOT NULL,
    checked_by TEXT NOT NULL,
    checked_at TEXT NOT NULL
);
CREATE INDEX imei_checks_tradein ON imei_checks(tradein_id, id);

-- How the device travels to the facility: a label or pickup instructions.
CREATE TABLE shipments (
    tradein_id   TEXT PRIMARY KEY REFERENCES tradeins(id),
    doc          TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- A unit is the device as stock: created when the customer accepts, with
-- the submitted IMEI, expected until a bench receives it.
CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    tradein_id TEXT NOT NULL UNIQUE REFERENCES tradeins(id),
    imei       TEXT NOT NULL,
    sku        TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('expected', 'received', 'returned', 'cancelled')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX units_updated ON units(updated_at);

-- The payout ledger: each step of each trade-in's payout, appended, never
-- changed.
CREATE TABLE payout_entries (
    id          INTEGER PRIMARY KEY,
    tradein_id  TEXT NOT NULL REFERENCES tradeins(id),
    kind        TEXT NOT NULL CHECK (kind IN ('obligation', 'hold', 'release', 'settle', 'void')),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    method      TEXT NOT NULL,
    destination TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT '',
    actor       TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL
);
CREATE INDEX payout_entries_tradein ON payout_entries(tradein_id, id);
CREATE INDEX payout_entries_at ON payout_entries(at);
CREATE TRIGGER payout_entries_no_update BEFORE UPDATE ON payout_entries
BEGIN SELECT RAISE(ABORT, 'the payout ledger is append-only'); END;
CREATE TRIGGER payout_entries_no_delete BEFORE DELETE ON payout_entries
BEGIN SELECT RAISE(ABORT, 'the payout ledger is append-only'); END;

-- The stock ledger: a product's stock is the sum of its entries.
CREATE TABLE stock_entries (
    id         INTEGER PRIMARY KEY,
    sku        TEXT NOT NULL,
    delta      INTEGER NOT NULL CHECK (delta IN (-1, 1)),
    reason     TEXT NOT NULL,
    tradein_id TEXT,
    unit_id    TEXT,
    at         TEXT NOT NULL
);
CREATE INDEX stock_entries_sku ON stock_entries(sku);
CREATE INDEX stock_entries_at ON stock_entries(at);
CREATE TRIGGER stock_entries_no_update BEFORE UPDATE ON stock_entries
BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;
CREATE TRIGGER stock_entries_no_delete BEFORE DELETE ON stock_entries
BEGIN SELECT RAISE(ABORT, 'the stock ledger is append-only'); END;

-- Base values per product (seed 003's admin valuations): offers are
-- suggested at base × the condition's modifier.
CREATE TABLE valuations (
    id         TEXT PRIMARY KEY,
    product_id TEXT NOT NULL UNIQUE,
    base_value INTEGER NOT NULL CHECK (base_value > 0),
    doc        TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- E-mail waiting to be sent: written in the transaction of what it tells,
-- sent after, retried until the server takes it.
CREATE TABLE mail_outbox (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    recipient    TEXT NOT NULL,
    doc          TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    next_attempt TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    sent_at      TEXT
);
CREATE INDEX mail_outbox_due ON mail_outbox(next_attempt) WHERE sent_at IS NULL;

-- Walk-ins and demo trade-ins written before this migration keep their
-- source; walk-ins are known by their walkins row.
UPDATE tradeins SET source = 'walk-in' WHERE id IN (SELECT tradein_id FROM walkins);
UPDATE tradeins SET created_at = updated_at WHERE created_at = '';
