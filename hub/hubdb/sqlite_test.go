package hubdb_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/intakebench/intakebench/hub/hubdb"
	"github.com/intakebench/intakebench/hub/hubdb/hubdbtest"
	"github.com/intakebench/intakebench/intake"
	"github.com/intakebench/intakebench/internal/migrate"
)

func openSQLite(t *testing.T) *hubdb.DB {
	t.Helper()
	db, err := hubdb.Open(context.Background(), filepath.Join(t.TempDir(), "hub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSQLiteConforms(t *testing.T) { hubdbtest.Run(t, openSQLite) }

func TestOpenAppliesEveryComponent(t *testing.T) {
	db := openSQLite(t)
	got, err := db.Migrations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []migrate.Applied{{Component: "hub", Version: 14, Known: 14}, {Component: "public", Version: 3, Known: 3}, {Component: "webhook", Version: 2, Known: 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("migrations %+v, want %+v", got, want)
	}
}

// closedHubFile makes a hub file of the current schema and opens it
// directly, to make it look like another hub's.
func closedHubFile(t *testing.T) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	db, err := hubdb.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return path, raw
}

func exec(t *testing.T, db *sql.DB, queries ...string) {
	t.Helper()
	for _, q := range queries {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// undoLifecycle takes hub migrations 0014 to 0008 back out of a file, for
// tests that fake a file from before them.
var undoLifecycle = []string{
	`DELETE FROM meta WHERE key = 'backfill reviews'`, `DROP TABLE review_docs`,
	`DELETE FROM meta WHERE key = 'backfill unit labels'`, `DROP INDEX receipts_label_id`, `ALTER TABLE receipts DROP COLUMN label_id`,
	`DROP INDEX events_tradein`,
	`DROP TABLE bench_sites`, `DROP TABLE sites`, `ALTER TABLE tradeins DROP COLUMN site_id`,
	`ALTER TABLE operators DROP COLUMN site_id`, `ALTER TABLE changes DROP COLUMN subject`, `ALTER TABLE changes DROP COLUMN site`,
	`DROP TABLE schedule_steps`, `DROP TABLE seller_webhooks`, `DROP TABLE seller_offers`, `DROP TABLE seller_items`,
	`DROP TABLE seller_submissions`, `DROP TABLE sellers`,
	`DROP INDEX tradeins_external`, `DROP INDEX tradeins_status`, `DROP INDEX tradeins_customer`,
	`ALTER TABLE tradeins DROP COLUMN source`, `ALTER TABLE tradeins DROP COLUMN external_id`,
	`ALTER TABLE tradeins DROP COLUMN customer_id`, `ALTER TABLE tradeins DROP COLUMN created_at`,
	`DROP TABLE tradein_history`, `DROP TABLE customer_sessions`, `DROP TABLE customer_photos`, `DROP TABLE offers`,
	`DROP TABLE imei_checks`, `DROP TABLE shipments`, `DROP TABLE units`, `DROP TABLE payout_entries`,
	`DROP TABLE stock_entries`, `DROP TABLE valuations`, `DROP TABLE mail_outbox`, `DROP TABLE customers`,
}

// A hub file of the previous layout kept its times as trimmed RFC 3339:
// opening it rewrites them to the fixed width that sorts.
func TestOpenRewritesOldTimes(t *testing.T) {
	ctx := context.Background()
	path, raw := closedHubFile(t)
	exec(t, raw, undoLifecycle...)
	exec(t, raw,
		`DELETE FROM schema_migrations WHERE component = 'hub' AND version >= 4`, `DROP INDEX photos_by_blob`, `DROP INDEX blobs_by_age`,
		`ALTER TABLE api_keys DROP COLUMN name`, `ALTER TABLE api_keys DROP COLUMN prefix`, `ALTER TABLE api_keys DROP COLUMN expires_at`,
		`DROP TABLE audit_heads`,
		`INSERT INTO changes (entity, entity_id, op, at) VALUES ('imei_flag', 'x', 'delete', '2026-12-04T12:00:00.5Z'), ('imei_flag', 'y', 'delete', '2026-12-04T12:00:00Z')`,
		`INSERT INTO bench_tokens (bench, token_hash, scopes, created_at, revoked_at) VALUES ('b1', 'h', 's', '2026-12-04T12:00:00.123456789Z', NULL)`)
	db, err := hubdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var got []string
	rows, err := raw.Query(`SELECT at FROM changes ORDER BY at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var at string
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		got = append(got, at)
	}
	if want := []string{"2026-12-04T12:00:00.000000000Z", "2026-12-04T12:00:00.500000000Z"}; !slices.Equal(got, want) {
		t.Fatalf("changes at %v, want %v", got, want)
	}
	var created string
	var revoked sql.NullString
	if err := raw.QueryRow(`SELECT created_at, revoked_at FROM bench_tokens`).Scan(&created, &revoked); err != nil {
		t.Fatal(err)
	}
	if created != "2026-12-04T12:00:00.123456789Z" || revoked.Valid {
		t.Fatalf("token times %q %v", created, revoked)
	}
}

// A hub file from before schema_migrations kept the hub's version in
// user_version and the public API's and webhooks' in tables of their own:
// opening it adopts all three and applies only what is new.
func TestOpenAdoptsTheOldBookkeeping(t *testing.T) {
	ctx := context.Background()
	path, raw := closedHubFile(t)
	exec(t, raw, undoLifecycle...)
	exec(t, raw,
		`DELETE FROM schema_migrations`,
		`PRAGMA user_version = 3`,
		`CREATE TABLE public_schema (version INTEGER PRIMARY KEY)`, `INSERT INTO public_schema VALUES (1)`,
		// The public API's schema as of version 1: public 0003 is new too.
		undoPriceObservations[0], undoPriceObservations[1],
		`CREATE TABLE webhook_schema (version INTEGER PRIMARY KEY)`, `INSERT INTO webhook_schema VALUES (1)`,
		// The webhooks' schema as of version 1: webhook 0002 is new too.
		`DROP INDEX webhook_deliveries_queue`, `ALTER TABLE webhook_endpoints DROP COLUMN sealed_secret`, `ALTER TABLE webhook_deliveries DROP COLUMN redrives`,
		// The hub's schema as of version 3: hub 0005 is new too.
		`DROP INDEX photos_by_blob`, `DROP INDEX blobs_by_age`,
		// Hub 0006 is new too: API keys had no name, prefix or expiry.
		`ALTER TABLE api_keys DROP COLUMN name`, `ALTER TABLE api_keys DROP COLUMN prefix`, `ALTER TABLE api_keys DROP COLUMN expires_at`,
		// Hub 0007 is new too: no audit heads were kept; and 0008 to 0014 (undone above).
		`DROP TABLE audit_heads`,
		// Of the hub's migrations before it, only 4 is new: it must run, and nothing else again.
		`INSERT INTO changes (entity, entity_id, op, at) VALUES ('imei_flag', 'x', 'delete', '2026-12-04T12:00:00.5Z')`)
	db, err := hubdb.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	got, err := db.Migrations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []migrate.Applied{{Component: "hub", Version: 14, Known: 14}, {Component: "public", Version: 3, Known: 3}, {Component: "webhook", Version: 2, Known: 2}}
	if !slices.Equal(got, want) {
		t.Fatalf("migrations %+v, want %+v", got, want)
	}
	var version, leftovers int
	var at string
	if err := raw.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN ('public_schema', 'webhook_schema')`).Scan(&leftovers); err != nil {
		t.Fatal(err)
	}
	if err := raw.QueryRow(`SELECT at FROM changes`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	if version != 0 || leftovers != 0 || at != "2026-12-04T12:00:00.500000000Z" {
		t.Fatalf("user_version %d, old tables %d, time %q", version, leftovers, at)
	}
}

// A file whose schema is newer than this program is refused, not misread.
func TestOpenRefusesANewerSchema(t *testing.T) {
	ctx := context.Background()
	path, raw := closedHubFile(t)
	exec(t, raw, `INSERT INTO schema_migrations (component, version, name) VALUES ('hub', 99, 'from the future')`)
	_, err := hubdb.Open(ctx, path)
	if err == nil || !strings.Contains(err.Error(), "newer than this program knows") {
		t.Fatalf("Open of a newer schema: %v", err)
	}
}

// The ledgers are append-only in the database itself: a row once written
// is neither changed nor deleted, whatever code runs.
func TestLedgersRefuseUpdatesAndDeletes(t *testing.T) {
	path, raw := closedHubFile(t)
	_ = path
	exec(t, raw,
		`INSERT INTO tradeins (id, status, doc, updated_at) VALUES ('a', 'accepted', '{}', '2026-12-04T12:00:00.000000000Z')`,
		`INSERT INTO payout_entries (tradein_id, kind, amount, method, actor, at) VALUES ('a', 'obligation', 35000, 'card', 'x', '2026-12-04T12:00:00.000000000Z')`,
		`INSERT INTO stock_entries (sku, delta, reason, tradein_id, at) VALUES ('s', 1, 'accepted', 'a', '2026-12-04T12:00:00.000000000Z')`)
	for _, q := range []string{
		`UPDATE payout_entries SET amount = 1`, `DELETE FROM payout_entries`,
		`UPDATE stock_entries SET delta = -1`, `DELETE FROM stock_entries`,
	} {
		_, err := raw.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want the ledger's append-only refusal", q, err)
		}
	}
}

// Receipts from before migration 0012 get the label ids their benches
// printed, once, when the hub opens the file.
func TestOpenBackfillsUnitLabelsOnce(t *testing.T) {
	ctx := context.Background()
	path, raw := closedHubFile(t)
	db, err := hubdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	err = db.InTx(ctx, func(tx *hubdb.Tx) error {
		if err := tx.PutTradeIns(ctx, []intake.TradeIn{{ID: "a", Reference: "TI-A", Status: intake.StatusReceived, IMEI: "356938035643809", UpdatedAt: at}}, at); err != nil {
			return err
		}
		return tx.InsertReceipt(ctx, intake.Receipt{TradeInID: "a", IMEI: "356938035643809", Operator: "op-1", Bench: "b1", At: at,
			EventKey: "0b9f3e2a-1c4d-4e5f-8a6b-7c8d9e0f1a2b"})
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	// As a file migrated by 0012 holds it before the hub opens it (the
	// migration's meta row is there: the hub, not hubdb.Open, backfills).
	exec(t, raw, `UPDATE receipts SET label_id = NULL`)

	db, err = hubdb.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lookup := func() (string, error) {
		var id string
		err := db.View(ctx, func(tx *hubdb.Tx) (err error) {
			id, err = tx.TradeInOfLabel(ctx, "U-5936715130527394")
			return err
		})
		return id, err
	}
	if _, err := lookup(); !errors.Is(err, hubdb.ErrNotFound) {
		t.Fatalf("before the backfill: %v, want ErrNotFound", err)
	}
	if err := db.InTx(ctx, func(tx *hubdb.Tx) error { return tx.BackfillUnitLabels(ctx) }); err != nil {
		t.Fatal(err)
	}
	if id, err := lookup(); err != nil || id != "a" {
		t.Fatalf("after the backfill: %q, %v; want a", id, err)
	}
	var asked int
	if err := raw.QueryRow(`SELECT count(*) FROM meta WHERE key = 'backfill unit labels'`).Scan(&asked); err != nil || asked != 0 {
		t.Fatalf("the backfill is still asked for: %d, %v", asked, err)
	}
}
