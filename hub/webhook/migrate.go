package webhook

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order, each once, and recorded in
// webhook_schema. The hub core owns PRAGMA user_version, so this package
// keeps its own version table instead.
var migrations = []string{
	`CREATE TABLE webhook_endpoints (
		id          TEXT PRIMARY KEY,
		url         TEXT NOT NULL,
		secret      TEXT NOT NULL,
		events      TEXT NOT NULL,          -- JSON array; [] means every event
		created_at  INTEGER NOT NULL,       -- unix ms
		deleted_at  INTEGER                 -- soft delete keeps the delivery log
	);
	CREATE TABLE webhook_events (
		id          TEXT PRIMARY KEY,
		type        TEXT NOT NULL,
		created_at  INTEGER NOT NULL,
		body        BLOB NOT NULL           -- the exact bytes every endpoint receives
	);
	CREATE TABLE webhook_deliveries (
		id              INTEGER PRIMARY KEY AUTOINCREMENT,
		event_id        TEXT NOT NULL REFERENCES webhook_events(id),
		endpoint_id     TEXT NOT NULL REFERENCES webhook_endpoints(id),
		state           TEXT NOT NULL CHECK (state IN ('pending','delivered','dead','cancelled')),
		attempts        INTEGER NOT NULL DEFAULT 0,
		next_attempt_at INTEGER NOT NULL,
		last_status     INTEGER NOT NULL DEFAULT 0,
		last_error      TEXT NOT NULL DEFAULT '',
		created_at      INTEGER NOT NULL,
		finished_at     INTEGER,
		UNIQUE (event_id, endpoint_id)
	);
	CREATE INDEX webhook_deliveries_due ON webhook_deliveries(state, next_attempt_at);
	CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);
	CREATE TABLE webhook_attempts (
		delivery_id   INTEGER NOT NULL REFERENCES webhook_deliveries(id),
		number        INTEGER NOT NULL,
		started_at    INTEGER NOT NULL,
		duration_ms   INTEGER NOT NULL,
		status_code   INTEGER NOT NULL,
		error         TEXT NOT NULL,
		retry_at      INTEGER,              -- when the next attempt is due; NULL if none
		PRIMARY KEY (delivery_id, number)
	);`,
}

// Migrate creates or upgrades this package's tables (all prefixed webhook_)
// in db. It is idempotent and safe to call at every start.
func Migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webhook migrate: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS webhook_schema (version INTEGER PRIMARY KEY)`); err != nil {
		return fmt.Errorf("webhook migrate: version table: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM webhook_schema`).Scan(&current); err != nil {
		return fmt.Errorf("webhook migrate: read version: %w", err)
	}
	if current > len(migrations) {
		return fmt.Errorf("webhook migrate: schema version %d is newer than this program knows (%d)", current, len(migrations))
	}
	for i := current; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("webhook migrate: step %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_schema(version) VALUES (?)`, i+1); err != nil {
			return fmt.Errorf("webhook migrate: record step %d: %w", i+1, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webhook migrate: commit: %w", err)
	}
	return nil
}
