// Package hubdb is the hub's storage layer: the only place the hub's SQL
// lives. The hub, its public API and its webhook dispatcher share one DB,
// opened once by the hub; each works through named operations on a Tx
// (receipts, the change log, tokens, quotes, deliveries, …) inside InTx
// (writes) or View (a read snapshot), and never sees a SQL string.
//
// SQLite is the database today. The operations are written against a
// dialect so that a PostgreSQL implementation can be added beside it
// without touching a caller, and hubdbtest.Run is the conformance suite
// any dialect must pass.
//
// # Why the change log's order is safe
//
// Benches pull the change log by position: "everything after seq N". That
// is only correct if no change can commit later with a smaller seq than
// one a reader has already seen. On SQLite it holds by construction: there
// is one writer connection and BEGIN IMMEDIATE takes the write lock, so
// transactions run one after another and AUTOINCREMENT hands out seq in
// commit order.
//
// A database with concurrent writers (PostgreSQL) breaks that: ids from a
// sequence are taken at INSERT and committed in any order, so a reader that
// remembers "the highest seq I saw" skips a row committed later with a
// smaller seq. A second dialect must therefore either assign positions
// under one lock at commit (simple, serialises writers), or stamp rows
// with the writing transaction's id (pg_current_xact_id()) and let
// readers read only below the oldest transaction still in flight
// (pg_snapshot_xmin(pg_current_snapshot())), and prove it with a
// shuffled-commit test.
package hubdb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/intakebench/intakebench/internal/migrate"
	"github.com/intakebench/intakebench/internal/sqlitedb"
)

//go:embed migrations
var migrations embed.FS

// Components whose migrations the hub's database holds, in the order they
// are applied.
const (
	ComponentHub     = "hub"
	ComponentPublic  = "public"
	ComponentWebhook = "webhook"
)

func sets(dialect string) []migrate.Set {
	var out []migrate.Set
	for _, c := range []string{ComponentHub, ComponentPublic, ComponentWebhook} {
		out = append(out, migrate.Set{Component: c, FS: migrations, Dir: "migrations/" + dialect + "/" + c})
	}
	return out
}

var (
	// ErrNotFound is a row that is not there.
	ErrNotFound = errors.New("not found")
	// ErrBusy is the database locked by another process or overloaded:
	// the caller may try again shortly.
	ErrBusy = errors.New("database busy")
)

// DB is the hub's open database.
type DB struct {
	write *sql.DB // SQLite: one connection; its order is the change order
	read  *sql.DB
}

// Open opens (creating if needed) the hub database named by dsn and brings
// every component's schema up to date. dsn is a SQLite file path;
// postgres:// URLs are refused until that dialect exists.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return nil, errors.New("open hub database: PostgreSQL is not supported yet; give a SQLite file path")
	}
	pools, err := sqlitedb.Open(ctx, dsn, "intakehub", 8, adoptComponentTables, sets("sqlite")...)
	if err != nil {
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	return &DB{write: pools.Write, read: pools.Read}, nil
}

// adoptComponentTables moves the versions the public API and webhooks kept
// in their own tables, before schema_migrations, into it.
func adoptComponentTables(ctx context.Context, tx *sql.Tx) error {
	for component, table := range map[string]string{ComponentPublic: "public_schema", ComponentWebhook: "webhook_schema"} {
		var exists bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)`, table).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			continue
		}
		var version int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(version), 0) FROM `+table).Scan(&version); err != nil {
			return err
		}
		for v := 1; v <= version; v++ {
			if err := migrate.Record(ctx, tx, component, v, "adopted from "+table); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DROP TABLE `+table); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (db *DB) Close() error { return errors.Join(db.read.Close(), db.write.Close()) }

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Migrations reports each component's applied and known schema versions.
func (db *DB) Migrations(ctx context.Context) ([]migrate.Applied, error) {
	begin := func(ctx context.Context) (*sql.Tx, error) { return db.write.BeginTx(ctx, nil) }
	return migrate.Status(ctx, begin, sets("sqlite")...)
}

// Tx is one transaction; the named operations are its methods.
type Tx struct {
	tx *sql.Tx
}

// InTx runs fn in a write transaction and commits it; the commit has
// reached the disk when InTx returns nil. An error from fn rolls back.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	return classify(sqlitedb.InTx(ctx, db.write, func(tx *sql.Tx) error { return fn(&Tx{tx: tx}) }))
}

// View runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return classify(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback()
	return classify(fn(&Tx{tx: tx}))
}

// classify marks a locked database as ErrBusy, keeping the cause.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if code := se.Code() & 0xff; code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED {
			return fmt.Errorf("%w: %w", ErrBusy, err)
		}
	}
	return err
}

// notFound turns sql.ErrNoRows into ErrNotFound naming what was missing.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf(format+": %w", append(args, ErrNotFound)...)
	}
	if err != nil {
		return fmt.Errorf(format+": %w", append(args, err)...)
	}
	return nil
}
