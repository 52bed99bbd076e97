-- The seed-compatible public API: seed 000's buyback quotes and their
-- items, seed 002's price history, and public API keys.
CREATE TABLE public_quotes (
	-- AUTOINCREMENT: a deleted quote's id is never handed out again,
	-- because clients keep quote ids in their own systems.
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	name         TEXT NOT NULL,
	client_value INTEGER NOT NULL,   -- cents (calc 1) or hundredths of a percent (calc 0)
	client_calc  INTEGER NOT NULL CHECK (client_calc IN (0, 1)),
	status       INTEGER NOT NULL DEFAULT 2 CHECK (status IN (0, 1, 2)),
	created_at   INTEGER NOT NULL,   -- unix ms
	updated_at   INTEGER NOT NULL
);
CREATE TABLE public_quote_items (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	quote_id     INTEGER NOT NULL REFERENCES public_quotes(id),
	sku          TEXT NOT NULL,
	grade        TEXT NOT NULL,
	sim          TEXT NOT NULL,
	quantity     INTEGER NOT NULL CHECK (quantity > 0),
	value        INTEGER NOT NULL CHECK (value >= 0),          -- cents per device
	client_share INTEGER NOT NULL CHECK (client_share >= 0),   -- cents per device
	list_value   INTEGER NOT NULL,                             -- catalog price when added
	created_at   INTEGER NOT NULL
);
CREATE INDEX public_quote_items_quote ON public_quote_items(quote_id, id);
CREATE TABLE public_price_history (
	variant_id  TEXT NOT NULL,
	kind        TEXT NOT NULL CHECK (kind IN ('buyback', 'resale')),
	recorded_at INTEGER NOT NULL,    -- unix ms
	condition   TEXT NOT NULL,       -- intake.Condition name
	cents       INTEGER NOT NULL CHECK (cents >= 0),
	PRIMARY KEY (variant_id, kind, recorded_at, condition)
);
CREATE TABLE public_api_keys (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	name       TEXT NOT NULL,
	hash       TEXT NOT NULL UNIQUE, -- hex SHA-256 of the key; the key itself is never stored
	scopes     TEXT NOT NULL,        -- JSON array
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
