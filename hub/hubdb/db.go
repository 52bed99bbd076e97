// Package hubdb is the hub's storage layer: the only place the hub's SQL
// lives. The hub, its public API and its webhook dispatcher share one DB,
// opened once by the hub; each works through named operations on a Tx
// (receipts, the change log, tokens, quotes, deliveries, …) inside InTx
// (writes) or View (a read snapshot), and never sees a SQL string.
//
// Two databases hold it: SQLite (a file path, the embedded default) and
// PostgreSQL (a postgres:// URL), for which any number of hub processes
// may share one database. The SQL is written once (dialect.go says how
// PostgreSQL's spelling is derived), each database has its own migrations
// under migrations/DIALECT, numbered together, and hubdbtest.Run is the
// conformance suite both pass.
//
// # Why the change log's order is safe
//
// Benches pull the change log by position: "everything after seq N". That
// is only correct if no change can commit later with a smaller seq than
// one a reader has already seen.
//
// On SQLite it holds by construction: there is one writer connection and
// BEGIN IMMEDIATE takes the write lock, so transactions run one after
// another and AUTOINCREMENT hands out seq in commit order.
//
// PostgreSQL has concurrent writers, and ids from a sequence are taken at
// INSERT and committed in any order: a reader that remembers "the highest
// seq I saw" would skip a row committed later with a smaller seq. So
// there, positions are assigned under a lock held until commit: every
// write transaction first takes the hub's advisory lock (InTx), and the
// position comes from a one-row counter (change_counter) that the
// transaction updates, whose row lock is also held to the commit. Whichever
// hub process runs it, a transaction that took position N commits before
// any other can take N+1. The cost is that writes are serialised, as
// SQLite's are; reads run beside them. hubdbtest's concurrency case
// commits writers in shuffled order while readers pull, and fails when
// positions come from a plain sequence.
package hubdb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"strings"

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
	pg    *statements // PostgreSQL's statements; nil on SQLite
}

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens (creating if needed) the hub database named by dsn and brings
// every component's schema up to date. dsn is a SQLite file path or a
// postgres:// URL.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	pools, err := sqlitedb.Open(ctx, dsn, "intakehub", 8, adoptComponentTables, sets("sqlite")...)
	if err != nil {
		return nil, fmt.Errorf("open hub database: %w", err)
	}
	return newDB(pools.Write, pools.Read, nil), nil
}

func newDB(write, read *sql.DB, pg *statements) *DB {
	return &DB{write: write, read: read, pg: pg}
}

// Dialect names the database: "sqlite" or "postgres".
func (db *DB) Dialect() string {
	if db.pg != nil {
		return "postgres"
	}
	return "sqlite"
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
	return migrate.Status(ctx, db.beginWrite, sets(db.Dialect())...)
}

// Tx is one transaction; the named operations are its methods.
type Tx struct {
	tx conn
	// touched collects, in a write transaction, the trade-ins whose review
	// docs are to be made again before it commits (reviews.go); nil in a
	// read.
	touched *reviewTouches
}

// InTx runs fn in a write transaction and commits it; the commit has
// reached the disk when InTx returns nil. An error from fn rolls back.
//
// Writes are serialised on both databases: SQLite has one writer, and on
// PostgreSQL a write transaction first takes the hub's advisory lock,
// held until it ends, whichever hub process runs it. The rules read rows
// and then write (one receipt per trade-in, one decision per reroute, a
// bench's next sequence number): under one writer at a time, what they
// read is still so when they write.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	return classify(db.inTx(ctx, fn))
}

func (db *DB) inTx(ctx context.Context, fn func(*Tx) error) error {
	tx, err := db.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	t := &Tx{tx: conn{Tx: tx, pg: db.pg, stmts: &stmtCache{}}, touched: &reviewTouches{}}
	if err := fn(t); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := t.settleReviews(ctx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// beginWrite begins a write transaction holding the write lock.
func (db *DB) beginWrite(ctx context.Context) (*sql.Tx, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil || db.pg == nil {
		return tx, err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, writeLock); err != nil {
		return nil, errors.Join(fmt.Errorf("take the hub's write lock: %w", err), tx.Rollback())
	}
	return tx, nil
}

// View runs fn in a read-only transaction: one consistent snapshot.
func (db *DB) View(ctx context.Context, fn func(*Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.pg != nil {
		// READ COMMITTED, PostgreSQL's default, would show each statement
		// a newer state: a page of changes and the docs it joins must be
		// of one moment.
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return classify(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback()
	return classify(fn(&Tx{tx: conn{Tx: tx, pg: db.pg, stmts: &stmtCache{}}}))
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
