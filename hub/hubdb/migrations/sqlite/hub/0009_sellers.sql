-- Seed 004's sellers: retail partners that submit devices for our buyers,
-- each with its own credential and constraints (countries, categories,
-- brands, attributes, template photos), its submissions and their items.
-- Each item is a trade-in in the one status machine (tradeins); what is
-- only the seller's (its ids, its customer, its files) is in doc.
CREATE TABLE sellers (
    id         TEXT PRIMARY KEY,
    key_hash   TEXT NOT NULL UNIQUE, -- SHA-256 of the seller's key; the key is never stored
    doc        TEXT NOT NULL,        -- name, business model, currency, constraints
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE seller_submissions (
    id          TEXT PRIMARY KEY,
    seller_id   TEXT NOT NULL REFERENCES sellers(id),
    reference   TEXT NOT NULL UNIQUE,
    doc         TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX seller_submissions_seller ON seller_submissions(seller_id, created_at);

CREATE TABLE seller_items (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES seller_submissions(id),
    tradein_id    TEXT NOT NULL UNIQUE REFERENCES tradeins(id),
    position      INTEGER NOT NULL,
    status        TEXT NOT NULL,
    doc           TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX seller_items_submission ON seller_items(submission_id, position);

-- An offer to a seller's item: its base price and the buyers' uplifts;
-- the offers row holds the total.
CREATE TABLE seller_offers (
    offer_id    TEXT PRIMARY KEY REFERENCES offers(id),
    item_id     TEXT NOT NULL REFERENCES seller_items(id),
    base_amount INTEGER NOT NULL,
    promotions  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX seller_offers_item ON seller_offers(item_id);

-- The webhook endpoints a seller registered: its events go to these only.
CREATE TABLE seller_webhooks (
    endpoint_id TEXT PRIMARY KEY,
    seller_id   TEXT NOT NULL REFERENCES sellers(id)
);
CREATE INDEX seller_webhooks_seller ON seller_webhooks(seller_id);

-- The hub's durable schedule: one row per timed step (an offer reminder,
-- an offer's expiry), done once whichever hub process claims it.
CREATE TABLE schedule_steps (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    due_at     TEXT NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'skipped', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    done_at    TEXT,
    UNIQUE (kind, subject)
);
CREATE INDEX schedule_steps_due ON schedule_steps(due_at) WHERE state = 'pending';
