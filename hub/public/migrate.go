package public

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once, and recorded in
// public_schema. The hub core owns PRAGMA user_version, so this package
// keeps its own version table.
var migrations = []string{
	`CREATE TABLE public_quotes (
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
	);`,
}

// Migrate creates or upgrades this package's tables (all prefixed
// public_) in db. It is idempotent and safe to call at every start.
func Migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("public migrate: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS public_schema (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("public migrate: version table: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM public_schema`).Scan(&current); err != nil {
		return fmt.Errorf("public migrate: read version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("public migrate: schema version %d is newer than this program knows (%d)", current, len(migrations))
	}
	for i := current; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("public migrate: step %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO public_schema(version) VALUES (?)`, i+1); err != nil {
			return fmt.Errorf("public migrate: record step %d: %w", i+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("public migrate: commit: %w", err)
	}
	return nil
}
